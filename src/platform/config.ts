/**
 * Reading settings from the environment, the same way in every app: a value that cannot be used
 * stops start-up with a message naming the variable and what it must be.
 */
/** A setting that cannot be used; its message names the variable and says what it must be. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; it is "${raw}".`);
  return value;
}

export function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL.`);
  }
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(`${name} must start with ${protocols.join(" or ")}//.`);
  return raw;
}

const ADDRESS = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

function trustProxy(raw: string | undefined): string[] | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const list = value.split(",").map((s) => s.trim());
  for (const item of list) {
    if (
      item !== "loopback" &&
      item !== "linklocal" &&
      item !== "uniquelocal" &&
      !ADDRESS.test(item)
    )
      throw new ConfigError(
        `S2S_TRUST_PROXY lists "${item}": give the proxy's addresses or ranges (10.0.0.1, 10.0.0.0/8, loopback), comma-separated.`,
      );
  }
  return list;
}

/**
 * The help desk every app of S2S shows its users. Its web page is, unless the operator names
 * their own, the app's own help pages (`/help`): a link that always works.
 */
export function helpdeskFrom(env: NodeJS.ProcessEnv) {
  return {
    phone: env.S2S_HELPDESK_PHONE ?? "0300 000 0000",
    email: env.S2S_HELPDESK_EMAIL ?? "helpdesk@s2s.invalid",
    web: env.S2S_HELPDESK_WEB ?? "/help",
  };
}

/** The master key (or its file) and the trusted proxies: the same variables for every app. */
export function keyAndProxiesFrom(env: NodeJS.ProcessEnv): {
  masterKey?: string;
  masterKeyFile?: string;
  trustProxy?: string[];
} {
  const out: { masterKey?: string; masterKeyFile?: string; trustProxy?: string[] } = {};
  if (env.S2S_MASTER_KEY) {
    if (Buffer.from(env.S2S_MASTER_KEY, "base64").length !== 32)
      throw new ConfigError("S2S_MASTER_KEY must be base64 of exactly 32 bytes.");
    out.masterKey = env.S2S_MASTER_KEY;
  }
  if (env.S2S_MASTER_KEY_FILE) out.masterKeyFile = env.S2S_MASTER_KEY_FILE;
  const proxies = trustProxy(env.S2S_TRUST_PROXY);
  if (proxies !== undefined) out.trustProxy = proxies;
  return out;
}

/**
 * One typed configuration, read and checked once at start-up and passed down; nothing reads
 * process.env later. A value that does not parse stops the process with a message naming the
 * variable, rather than becoming NaN somewhere far from where it was set.
 */
import { join, resolve } from "node:path";

export interface HubConfig {
  dataDir: string;
  /** PostgreSQL; PGlite in the data folder when absent. */
  databaseUrl?: string;
  port: number;
  host: string;
  /** SMTP server; mail is written as .eml files under dataDir/outbox when absent. */
  smtpUrl?: string;
  mailFrom: string;
  /** Base64 of 32 bytes; a key file in the data folder when absent. */
  masterKey?: string;
  /** A key file outside the data folder (S2S_MASTER_KEY_FILE). */
  masterKeyFile?: string;
  /** Where users reach the service, for links in e-mail. */
  publicUrl: string;
  /**
   * The proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); absent, the
   * address is the connection's own, so no client can choose the address it is known by.
   */
  trustProxy?: string[];
  retention: {
    /** Days an undownloaded file is kept. */
    undownloadedDays: number;
    /** Days before expiry the sender is warned. */
    warnDaysBefore: number;
    /** Days a downloaded or rejected file is kept. */
    afterDoneDays: number;
  };
  maxUploadBytes: number;
  /** Most pupils one file may hold; a file with more fails its check. */
  maxPupilsPerFile: number;
  /** Most files one user may have waiting to be checked at once. */
  uploadsInFlight: number;
  /** Most bytes one user may upload in an hour. */
  uploadBytesPerHour: number;
  /**
   * How often a check that fails is tried again, the first wait (doubling each time), before the
   * file is failed and its sender told.
   */
  checkRetries: { limit: number; delaySeconds: number };
  sessionHours: number;
  helpdesk: { phone: string; email: string; web: string };
}

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

export function configFromEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<HubConfig> = {},
): HubConfig {
  const dataDir = resolve(overrides.dataDir ?? env.S2S_DATA_DIR ?? "./data");
  const port = overrides.port ?? integer(env, "PORT", 3000, 0, 65535);
  const base: HubConfig = {
    dataDir,
    port,
    host: env.HOST?.trim() || "127.0.0.1",
    mailFrom: env.S2S_MAIL_FROM ?? "S2S <no-reply@s2s.invalid>",
    publicUrl: url(env, "S2S_PUBLIC_URL", ["http:", "https:"]) ?? `http://localhost:${port}`,
    retention: {
      undownloadedDays: integer(env, "S2S_RETENTION_DAYS", 60, 1, 3650),
      warnDaysBefore: 7,
      afterDoneDays: integer(env, "S2S_RETENTION_DONE_DAYS", 14, 1, 3650),
    },
    maxUploadBytes: integer(env, "S2S_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, 1024, 2 ** 32),
    maxPupilsPerFile: integer(env, "S2S_MAX_PUPILS_PER_FILE", 10_000, 1, 1_000_000),
    uploadsInFlight: integer(env, "S2S_UPLOADS_IN_FLIGHT", 50, 1, 100_000),
    uploadBytesPerHour: integer(env, "S2S_UPLOAD_BYTES_PER_HOUR", 2 * 1024 ** 3, 1024, 2 ** 42),
    checkRetries: { limit: 5, delaySeconds: 5 },
    sessionHours: 12,
    helpdesk: helpdeskFrom(env),
  };
  const databaseUrl = url(env, "DATABASE_URL", ["postgres:", "postgresql:"]);
  if (databaseUrl) base.databaseUrl = databaseUrl;
  const smtpUrl = url(env, "SMTP_URL", ["smtp:", "smtps:"]);
  if (smtpUrl) base.smtpUrl = smtpUrl;
  return { ...base, ...keyAndProxiesFrom(env), ...overrides };
}

/** The help desk every app of S2S shows its users. */
export function helpdeskFrom(env: NodeJS.ProcessEnv) {
  return {
    phone: env.S2S_HELPDESK_PHONE ?? "0300 000 0000",
    email: env.S2S_HELPDESK_EMAIL ?? "helpdesk@s2s.invalid",
    web: env.S2S_HELPDESK_WEB ?? "https://s2s.invalid/help",
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

export const pgliteDir = (config: HubConfig) => join(config.dataDir, "pglite");
export const outboxDir = (config: HubConfig) => join(config.dataDir, "outbox");
export const filesDir = (config: HubConfig) => join(config.dataDir, "files");

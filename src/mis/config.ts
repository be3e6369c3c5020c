/**
 * The school side's configuration, read once at start-up like the hub's (../config.ts), from
 * its own variables so that one machine may run both.
 */
import { join, resolve } from "node:path";
import { ConfigError, integer, trustProxy, url } from "../config.js";

export interface MisConfig {
  dataDir: string;
  /** PostgreSQL (MIS_DATABASE_URL); PGlite in the data folder when absent. */
  databaseUrl?: string;
  port: number;
  host: string;
  masterKey?: string;
  masterKeyFile?: string;
  publicUrl: string;
  trustProxy?: string[];
  sessionHours: number;
  helpdesk: { phone: string; email: string; web: string };
}

export function misConfigFromEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<MisConfig> = {},
): MisConfig {
  const dataDir = resolve(overrides.dataDir ?? env.S2S_MIS_DATA_DIR ?? "./mis-data");
  const port = overrides.port ?? integer(env, "MIS_PORT", 3100, 0, 65535);
  const base: MisConfig = {
    dataDir,
    port,
    host: env.HOST?.trim() || "127.0.0.1",
    publicUrl: url(env, "MIS_PUBLIC_URL", ["http:", "https:"]) ?? `http://localhost:${port}`,
    sessionHours: 12,
    helpdesk: {
      phone: env.S2S_HELPDESK_PHONE ?? "0300 000 0000",
      email: env.S2S_HELPDESK_EMAIL ?? "helpdesk@s2s.invalid",
      web: env.S2S_HELPDESK_WEB ?? "https://s2s.invalid/help",
    },
  };
  const databaseUrl = url(env, "MIS_DATABASE_URL", ["postgres:", "postgresql:"]);
  if (databaseUrl) base.databaseUrl = databaseUrl;
  if (env.S2S_MASTER_KEY) {
    if (Buffer.from(env.S2S_MASTER_KEY, "base64").length !== 32)
      throw new ConfigError("S2S_MASTER_KEY must be base64 of exactly 32 bytes.");
    base.masterKey = env.S2S_MASTER_KEY;
  }
  if (env.S2S_MASTER_KEY_FILE) base.masterKeyFile = env.S2S_MASTER_KEY_FILE;
  const proxies = trustProxy(env.S2S_TRUST_PROXY);
  if (proxies !== undefined) base.trustProxy = proxies;
  return { ...base, ...overrides };
}

export const misPgliteDir = (config: MisConfig) => join(config.dataDir, "pglite");

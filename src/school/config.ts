/**
 * The school side's configuration, read once at start-up like the hub's (../hub/config.ts), from
 * its own variables so that one machine may run both.
 */
import { join, resolve } from "node:path";
import { helpdeskFrom, integer, keyAndProxiesFrom, url } from "../platform/config.js";

/** Larger than any real CTF: a folder file beyond it is not read, an upload beyond it refused. */
export const MAX_CTF_BYTES = 50 * 1024 * 1024;

export interface MisConfig {
  dataDir: string;
  /** PostgreSQL (MIS_DATABASE_URL); PGlite in the data folder when absent. */
  databaseUrl?: string;
  /** A dump of an empty PGlite cluster to start a new database from (the tests set it). */
  pgliteTemplate?: string;
  port: number;
  host: string;
  masterKey?: string;
  masterKeyFile?: string;
  publicUrl: string;
  trustProxy?: string[];
  sessionHours: number;
  /** The largest CTF imported, from the hub, the folder or an upload (MIS_MAX_IMPORT_BYTES). */
  maxImportBytes: number;
  /** Longest life, in days, of an API token a user makes (MIS_TOKEN_MAX_DAYS). */
  tokenMaxDays: number;
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
    tokenMaxDays: integer(env, "MIS_TOKEN_MAX_DAYS", 365, 1, 3660),
    maxImportBytes: integer(env, "MIS_MAX_IMPORT_BYTES", MAX_CTF_BYTES, 1024, MAX_CTF_BYTES),
    helpdesk: helpdeskFrom(env),
  };
  const databaseUrl = url(env, "MIS_DATABASE_URL", ["postgres:", "postgresql:"]);
  if (databaseUrl) base.databaseUrl = databaseUrl;
  return { ...base, ...keyAndProxiesFrom(env), ...overrides };
}

export const misPgliteDir = (config: MisConfig) => join(config.dataDir, "pglite");

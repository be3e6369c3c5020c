/**
 * One typed configuration, read and checked once at start-up and passed down; nothing reads
 * process.env later. A value that does not parse stops the process with a message naming the
 * variable, rather than becoming NaN somewhere far from where it was set.
 */
import { join, resolve } from "node:path";
import { ConfigError, helpdeskFrom, integer, keyAndProxiesFrom, url } from "../platform/config.js";
import type { S3StoreOptions } from "../platform/store/s3-store.js";

export interface HubConfig {
  dataDir: string;
  /** PostgreSQL; PGlite in the data folder when absent. */
  databaseUrl?: string;
  /** A dump of an empty PGlite cluster to start a new database from (the tests set it). */
  pgliteTemplate?: string;
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
  /**
   * A check's lease before its size is added (jobs.ts), and how often lapsed leases are looked
   * for: a check whose process died is taken up within about their sum. Not from the
   * environment: tests shorten them to see recovery without waiting half a minute.
   */
  checkLease: { baseSeconds: number; maintenanceSeconds: number };
  sessionHours: number;
  /** Longest life, in days, of an API token a user makes (S2S_TOKEN_MAX_DAYS). */
  tokenMaxDays: number;
  helpdesk: { phone: string; email: string; web: string };
  /** Where files are kept: a folder under dataDir (the default), or an S3 bucket. */
  store: StoreConfig;
  /** When retention runs, as a cron in England's time (S2S_RETENTION_CRON). */
  retentionCron: string;
  /** Prometheus metrics on a port of their own (S2S_METRICS_PORT); none: not served. */
  metricsPort?: number;
  /** Where that port listens (S2S_METRICS_HOST): loopback unless the operator says. */
  metricsHost: string;
}

export type StoreConfig = { kind: "folder" } | ({ kind: "s3" } & S3StoreOptions);

/** S2S_STORE: the folder (the default), or a bucket as `s3OptionsFrom` reads it. */
function storeFrom(env: NodeJS.ProcessEnv): StoreConfig {
  const kind = env.S2S_STORE?.trim() || "folder";
  if (kind === "folder") return { kind };
  if (kind !== "s3") throw new ConfigError(`S2S_STORE must be folder or s3; it is "${kind}".`);
  return { kind, ...s3OptionsFrom(env) };
}

/**
 * The bucket's S2S_S3_* settings; the region and keys are the SDK's usual AWS_* variables, and
 * without keys the SDK finds its own (an instance role, say).
 */
export function s3OptionsFrom(env: NodeJS.ProcessEnv): S3StoreOptions {
  const bucket = env.S2S_S3_BUCKET?.trim();
  if (!bucket) throw new ConfigError("S2S_S3_BUCKET must name the bucket the hub's files go in.");
  const prefix = env.S2S_S3_PREFIX?.trim();
  const endpoint = url(env, "S2S_S3_ENDPOINT", ["http:", "https:"]);
  const region = env.AWS_REGION?.trim();
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey))
    throw new ConfigError("Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither.");
  return {
    bucket,
    forcePathStyle: env.S2S_S3_FORCE_PATH_STYLE?.trim() === "1",
    ...(prefix ? { prefix: prefix.endsWith("/") ? prefix : `${prefix}/` } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  };
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
    checkLease: { baseSeconds: 20, maintenanceSeconds: 10 },
    sessionHours: 12,
    tokenMaxDays: integer(env, "S2S_TOKEN_MAX_DAYS", 365, 1, 3660),
    helpdesk: helpdeskFrom(env),
    store: storeFrom(env),
    retentionCron: cron(env, "S2S_RETENTION_CRON", "*/10 * * * *"),
    metricsHost: env.S2S_METRICS_HOST?.trim() || "127.0.0.1",
  };
  if (env.S2S_METRICS_PORT?.trim()) {
    base.metricsPort = integer(env, "S2S_METRICS_PORT", 0, 0, 65535);
    // The metrics are the operator's: on the public port, anyone could read them.
    if (base.metricsPort !== 0 && base.metricsPort === port)
      throw new ConfigError("S2S_METRICS_PORT must not be the service's own port (PORT).");
  }
  const databaseUrl = url(env, "DATABASE_URL", ["postgres:", "postgresql:"]);
  if (databaseUrl) base.databaseUrl = databaseUrl;
  const smtpUrl = url(env, "SMTP_URL", ["smtp:", "smtps:"]);
  if (smtpUrl) base.smtpUrl = smtpUrl;
  return { ...base, ...keyAndProxiesFrom(env), ...overrides };
}

/** A five-field cron (minute hour day month weekday), checked by its shape. */
function cron(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^([0-9*/,-]+\s+){4}[0-9*/,-]+$/.test(raw))
    throw new ConfigError(
      `${name} must be a cron of five fields, such as "*/10 * * * *"; it is "${raw}".`,
    );
  return raw;
}

export const pgliteDir = (config: HubConfig) => join(config.dataDir, "pglite");
export const outboxDir = (config: HubConfig) => join(config.dataDir, "outbox");
export const filesDir = (config: HubConfig) => join(config.dataDir, "files");

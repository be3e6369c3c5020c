/** One typed configuration, read once at start-up and passed down; nothing reads process.env later. */
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
  /** Where users reach the service, for links in e-mail. */
  publicUrl: string;
  retention: {
    /** Days an undownloaded file is kept. */
    undownloadedDays: number;
    /** Days before expiry the sender is warned. */
    warnDaysBefore: number;
    /** Days a downloaded or rejected file is kept. */
    afterDoneDays: number;
  };
  maxUploadBytes: number;
  sessionHours: number;
  helpdesk: { phone: string; email: string; web: string };
}

export function configFromEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<HubConfig> = {},
): HubConfig {
  const dataDir = resolve(overrides.dataDir ?? env.S2S_DATA_DIR ?? "./data");
  const port = overrides.port ?? Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT is not a port: ${env.PORT}`);
  const base: HubConfig = {
    dataDir,
    port,
    host: env.HOST ?? "127.0.0.1",
    mailFrom: env.S2S_MAIL_FROM ?? "S2S <no-reply@s2s.invalid>",
    publicUrl: env.S2S_PUBLIC_URL ?? `http://localhost:${port}`,
    retention: {
      undownloadedDays: Number(env.S2S_RETENTION_DAYS ?? 60),
      warnDaysBefore: 7,
      afterDoneDays: Number(env.S2S_RETENTION_DONE_DAYS ?? 14),
    },
    maxUploadBytes: Number(env.S2S_MAX_UPLOAD_BYTES ?? 200 * 1024 * 1024),
    sessionHours: 12,
    helpdesk: {
      phone: env.S2S_HELPDESK_PHONE ?? "0300 000 0000",
      email: env.S2S_HELPDESK_EMAIL ?? "helpdesk@s2s.invalid",
      web: env.S2S_HELPDESK_WEB ?? "https://s2s.invalid/help",
    },
  };
  if (env.DATABASE_URL) base.databaseUrl = env.DATABASE_URL;
  if (env.SMTP_URL) base.smtpUrl = env.SMTP_URL;
  if (env.S2S_MASTER_KEY) base.masterKey = env.S2S_MASTER_KEY;
  return { ...base, ...overrides };
}

export const pgliteDir = (config: HubConfig) => join(config.dataDir, "pglite");
export const outboxDir = (config: HubConfig) => join(config.dataDir, "outbox");
export const filesDir = (config: HubConfig) => join(config.dataDir, "files");

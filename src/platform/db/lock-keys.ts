/**
 * Every PostgreSQL advisory lock S2S takes, in one place, so that no two purposes share a key
 * (two did: starting the job queue waited on audit sealing and sealing on it). A key, once
 * shipped, keeps its purpose: processes of the version before and after a rolling restart must
 * agree on it.
 */
export const LOCK_KEYS = {
  /** The hub's migrations, run by one process at a time. */
  hubMigrations: 5_252_001,
  /** The hub's first-run set-up (administrator, demo data). */
  firstRun: 5_252_002,
  /** Sealing the audit log's chain: one sealer at a time. */
  auditSeal: 5_252_003,
  /** pg-boss creating its schema and queues. */
  jobQueueStart: 5_252_004,
  /** The school side's migrations. */
  misMigrations: 5_252_101,
  /** Sealing the school side's audit chain. */
  misAuditSeal: 5_252_102,
} as const;

/**
 * Background work on pg-boss, on the same database as everything else. Sending a job takes the
 * caller's transaction, so an upload's row and its checking job commit together.
 */
import PgBoss from "pg-boss";
import { checkGaveUp, checkUpload } from "../../hub/check-upload.js";
import type { HubContext, JobQueue } from "../../hub/context.js";
import { runRetention } from "../../hub/retention.js";
import { type Database, runnerFor } from "../db/database.js";
import { LOCK_KEYS } from "../db/lock-keys.js";
import { loggableError } from "../errors.js";

export const CHECK_UPLOAD = "check-upload";
/** Checks that failed every try: their files are failed and their senders told. */
export const CHECK_GAVE_UP = "check-upload-gave-up";
/** Expiry warnings, expiry, purging and the orphan sweep, on a schedule shared by all workers. */
export const RETENTION = "retention";
const RETENTION_CRON = "*/10 * * * *";
/**
 * How often one of the workers looks for jobs whose lease has lapsed (their process died).
 * pg-boss's two minutes, with its fifteen-minute default lease, left a crashed check for up to
 * seventeen minutes; a lease sized to the file and this make it well under one.
 */
const MAINTENANCE_SECONDS = 10;

/**
 * A check's lease: long enough for the slowest machine to check the file (a quarter of a
 * megabyte a second; `s2s ctf validate` reads about 4 MB a second on a two-core machine), short enough that a check
 * whose process died is taken up again within a minute for an ordinary file. A job outliving its
 * lease is failed by pg-boss and run again, so the lease must never be shorter than the work.
 */
export function checkLeaseSeconds(bytes: number): number {
  return 20 + Math.ceil((bytes / 1_048_576) * 4);
}

export interface Logger {
  error(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
}

/**
 * Starts pg-boss on the app's database. `stop` ends it: gracefully, then any of its bookkeeping
 * still in flight (a job that outlived the graceful wait, failing as the pool closes) finds the
 * database gone and does nothing, rather than rejecting where no one can catch it. Such a job
 * was not completed, so its lease lapses and another worker runs it again.
 */
export async function startBoss(
  database: Pick<Database<unknown>, "executeSql" | "exclusively">,
  log: Logger,
  options: {
    supervise: boolean;
    schedule: boolean;
    checkRetries: { limit: number; delaySeconds: number };
  },
): Promise<{ boss: PgBoss; stop(): Promise<void> }> {
  let stopped = false;
  const boss = new PgBoss({
    db: {
      executeSql: (text: string, values: unknown[]) =>
        stopped ? Promise.resolve({ rows: [] }) : database.executeSql(text, values),
    },
    schema: "pgboss",
    supervise: options.supervise,
    maintenanceIntervalSeconds: MAINTENANCE_SECONDS,
    // pg-boss sends each cron tick's job once, whichever of many processes sees the tick first.
    schedule: options.schedule,
  });
  boss.on("error", (err) => log.error({ err: loggableError(err) }, "job queue error"));
  // pg-boss creates its schema and each queue's tables without a lock of its own: several
  // processes starting on one empty database would collide (or deadlock), so they take turns.
  await database.exclusively(LOCK_KEYS.jobQueueStart, async () => {
    await boss.start();
    await boss.createQueue(CHECK_GAVE_UP, { name: CHECK_GAVE_UP, retryLimit: 10 });
    const check = {
      name: CHECK_UPLOAD,
      retryLimit: options.checkRetries.limit,
      retryDelay: options.checkRetries.delaySeconds,
      retryBackoff: true,
      // A check out of tries is a state someone sees (the file failed, its sender told), not a
      // silence: pg-boss hands it to the dead-letter queue.
      deadLetter: CHECK_GAVE_UP,
    };
    await boss.createQueue(CHECK_UPLOAD, check);
    // A queue made before by an earlier version keeps its options until told.
    await boss.updateQueue(CHECK_UPLOAD, check);
    // One retention run at a time across every worker: a tick finding one running waits.
    await boss.createQueue(RETENTION, { name: RETENTION, policy: "singleton", retryLimit: 2 });
    if (options.schedule)
      await boss.schedule(RETENTION, RETENTION_CRON, {}, { tz: "Europe/London" });
  });
  return {
    boss,
    async stop() {
      await boss.stop({ graceful: true, close: false, timeout: 10_000 });
      stopped = true;
    },
  };
}

/** `wake` is set once this process runs workers, so they need not wait for their next poll. */
export function jobQueueOn(boss: PgBoss): JobQueue & { onWake(fn: () => void): void } {
  let wake = () => {};
  return {
    async checkUpload(trx, transferId, bytes) {
      await boss.send(
        CHECK_UPLOAD,
        { id: transferId },
        { db: runnerFor(trx), expireInSeconds: checkLeaseSeconds(bytes) },
      );
    },
    wake: () => wake(),
    onWake(fn) {
      wake = fn;
    },
  };
}

/** Starts the checking workers; returns a function that wakes them. */
export async function startCheckWorkers(
  boss: PgBoss,
  ctx: HubContext,
  log: Logger,
  count = 4,
): Promise<() => void> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    let self = "";
    self = await boss.work<{ id: string }>(
      CHECK_UPLOAD,
      { pollingIntervalSeconds: 0.5, batchSize: 1 },
      async ([job]) => {
        if (!job) return;
        try {
          await checkUpload(ctx, job.data.id);
        } catch (err) {
          // Logged by id only: the file's content never reaches a log.
          log.error(
            { err: loggableError(err), transfer: job.data.id },
            "checking an upload failed",
          );
          throw err;
        } finally {
          // A worker that found a job looks again at once; pg-boss would otherwise wait a full
          // polling interval, and a queue of uploads would drain at one per worker per interval.
          if (self) boss.notifyWorker(self);
        }
      },
    );
    ids.push(self);
  }
  await boss.work<{ id: string }>(
    CHECK_GAVE_UP,
    { pollingIntervalSeconds: 2, batchSize: 1 },
    async ([job]) => {
      if (!job) return;
      log.error({ transfer: job.data.id }, "an upload's check failed every try: failing the file");
      try {
        await checkGaveUp(ctx, job.data.id);
      } catch (err) {
        log.error({ err: loggableError(err), transfer: job.data.id }, "failing a file failed");
        throw err;
      }
    },
  );
  return () => {
    for (const id of ids) boss.notifyWorker(id);
  };
}

/** Works scheduled retention runs in this process. */
export async function startRetentionWorker(
  boss: PgBoss,
  ctx: HubContext,
  log: Logger,
): Promise<void> {
  await boss.work(RETENTION, { pollingIntervalSeconds: 30, batchSize: 1 }, async () => {
    try {
      const report = await runRetention(ctx);
      log.info({ ...report }, "retention run");
    } catch (err) {
      log.error({ err: loggableError(err) }, "retention failed");
      throw err;
    }
  });
}

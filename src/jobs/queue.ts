/**
 * Background work on pg-boss, on the same database as everything else. Sending a job takes the
 * caller's transaction, so an upload's row and its checking job commit together.
 */
import PgBoss from "pg-boss";
import { type Database, runnerFor } from "../db/database.js";
import type { HubContext, JobQueue } from "../hub/context.js";
import { checkUpload } from "../hub/transfers.js";

export const CHECK_UPLOAD = "check-upload";

export interface Logger {
  error(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
}

export async function startBoss(
  database: Database,
  log: Logger,
  options: { supervise: boolean },
): Promise<PgBoss> {
  const boss = new PgBoss({
    db: { executeSql: (text: string, values: unknown[]) => database.executeSql(text, values) },
    schema: "pgboss",
    supervise: options.supervise,
    schedule: false,
  });
  boss.on("error", (err) => log.error({ err }, "job queue error"));
  await boss.start();
  await boss.createQueue(CHECK_UPLOAD, {
    name: CHECK_UPLOAD,
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
  });
  return boss;
}

/** `wake` is set once this process runs workers, so they need not wait for their next poll. */
export function jobQueueOn(boss: PgBoss): JobQueue & { onWake(fn: () => void): void } {
  let wake = () => {};
  return {
    async checkUpload(trx, transferId) {
      await boss.send(CHECK_UPLOAD, { id: transferId }, { db: runnerFor(trx) });
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
            { err: (err as Error).message, transfer: job.data.id },
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
  return () => {
    for (const id of ids) boss.notifyWorker(id);
  };
}

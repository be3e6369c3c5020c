/** The hub's kinds of background job: checking uploads, and retention on a schedule. */
import type PgBoss from "pg-boss";
import { type JobKind, sendJob, type Wake } from "../platform/jobs/queue.js";
import { checkGaveUp, checkUpload } from "./check-upload.js";
import type { HubConfig } from "./config.js";
import type { HubContext, JobQueue } from "./context.js";
import { runRetention } from "./retention.js";

export const CHECK_UPLOAD = "check-upload";
/** Checks that failed every try: their files are failed and their senders told. */
export const CHECK_GAVE_UP = "check-upload-gave-up";
/** Expiry warnings, expiry, purging and the orphan sweep, on a schedule shared by all workers. */
export const RETENTION = "retention";

/**
 * A check's lease: long enough for the slowest machine to check the file (a quarter of a
 * megabyte a second; `s2s ctf validate` reads about 4 MB a second on a two-core machine), short
 * enough that a check whose process died is taken up again within a minute for an ordinary
 * file. A job outliving its lease is failed by pg-boss and run again, so the lease must never be
 * shorter than the work.
 */
export function checkLeaseSeconds(bytes: number, baseSeconds = 20): number {
  return baseSeconds + Math.ceil((bytes / 1_048_576) * 4);
}

/** Each process checks up to CHECK_WORKERS x CHECK_BATCH files at once. */
export const CHECK_WORKERS = 2;
export const CHECK_BATCH = 8;

type Id = { id: string };
const byTransfer = (data: Id) => ({ transfer: data.id });

export function hubJobKinds(
  config: Pick<HubConfig, "checkRetries" | "retentionCron">,
): readonly JobKind<HubContext, Id>[] {
  return [
    {
      name: CHECK_GAVE_UP,
      queue: { retryLimit: 10 },
      pollSeconds: 2,
      logged: byTransfer,
      arrival: "an upload's check failed every try: failing the file",
      run: (ctx, { id }) => checkGaveUp(ctx, id),
    },
    {
      name: CHECK_UPLOAD,
      queue: {
        retryLimit: config.checkRetries.limit,
        retryDelay: config.checkRetries.delaySeconds,
        retryBackoff: true,
        // A check out of tries is a state someone sees (the file failed, its sender told), not
        // a silence: pg-boss hands it to the dead-letter queue.
        deadLetter: CHECK_GAVE_UP,
      },
      // Checks of small files run together rather than one behind another; a batch's files are
      // each read as a stream, so the memory held stays bounded by workers x batch.
      workers: CHECK_WORKERS,
      batch: CHECK_BATCH,
      pollSeconds: 0.5,
      // Logged by id only: the file's content never reaches a log.
      logged: byTransfer,
      run: async (ctx, { id }) => {
        await checkUpload(ctx, id);
      },
    },
    {
      name: RETENTION,
      // One retention run at a time across every worker: a tick finding one running waits.
      queue: { policy: "singleton", retryLimit: 2 },
      schedule: config.retentionCron,
      pollSeconds: 30,
      run: async (ctx) => ({ ...(await runRetention(ctx)) }),
    },
  ];
}

/** What the database tells every process when a file waits to be checked (migration 0031). */
export const CHECK_NOTICE = "check";

/** `wake` is set once this process runs workers, so they need not wait for their next poll. */
export function jobQueueOn(
  boss: PgBoss,
  leaseBaseSeconds = 20,
): JobQueue & { onWake(fn: Wake): void } {
  let wake: Wake = () => {};
  return {
    async checkUpload(trx, transferId, bytes) {
      await sendJob(
        boss,
        trx,
        CHECK_UPLOAD,
        { id: transferId },
        {
          expireInSeconds: checkLeaseSeconds(bytes, leaseBaseSeconds),
        },
      );
    },
    // Every job this queue sends is a check.
    wake: () => wake(CHECK_UPLOAD),
    onWake(fn) {
      wake = fn;
    },
  };
}

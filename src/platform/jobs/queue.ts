/**
 * Background work on pg-boss, on the same database as everything else, for every app. An app
 * lists its kinds of job (a name, retries, an optional schedule, the function that does one);
 * this starts the queue and the workers. Sending a job takes the caller's transaction, so a row
 * and the job that works on it commit together. Every failure is logged (by the job's ids, never
 * its data), and a job out of retries goes to its dead-letter queue when it names one: a state
 * someone sees, never a silence.
 */
import type { Transaction } from "kysely";
import PgBoss from "pg-boss";
import { type Database, runnerFor } from "../db/database.js";
import { LOCK_KEYS } from "../db/lock-keys.js";
import { loggableError } from "../errors.js";

/**
 * How often one of the workers looks for jobs whose lease has lapsed (their process died), unless
 * an app says otherwise. pg-boss's two minutes, with its fifteen-minute default lease, left a
 * crashed job for up to seventeen minutes.
 */
const MAINTENANCE_SECONDS = 10;

export interface Logger {
  error(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
}

export type QueueOptions = Omit<PgBoss.Queue, "name">;

/** One kind of job of an app: `C` is the app's context, `D` a job's data. */
export interface JobKind<C, D extends object = object> {
  name: string;
  queue?: QueueOptions;
  /** A cron (England's time): one job each tick, whichever process sees it first. */
  schedule?: string;
  /**
   * Milliseconds between jobs, for work finer than a cron's minute: each process sends one on a
   * timer (startTicks), and its queue (stately unless said) keeps at most one waiting, so more
   * processes do not mean more work.
   */
  every?: number;
  /** Workers in each process that works jobs (1 unless said). */
  workers?: number;
  /** Jobs a worker takes at once and runs together (1 unless said). */
  batch?: number;
  pollSeconds?: number;
  /** What a log line may say of a job: ids only, never personal data. */
  logged?(data: D): Record<string, unknown>;
  /** Logged at error when a job of this kind arrives (a dead-letter queue's kind). */
  arrival?: string;
  /** Does one job; what it returns, if anything, is logged as the job's report. */
  run(ctx: C, data: D): Promise<unknown>;
}

/**
 * What a command run after the stop answers: no rows, or for pg-boss's complete and fail (which
 * read the count of jobs they changed from the first row) a count of none, so that a job ending
 * as the queue stops does not reject where no one can catch it.
 */
function nothingDone(text: string): { rows: unknown[] } {
  return /select count\(\*\) from results\s*$/i.test(text.trim())
    ? { rows: [{ count: "0" }] }
    : { rows: [] };
}

/**
 * Starts pg-boss on the app's database and makes its queues and schedules. `stop` ends it:
 * gracefully, then any of its bookkeeping still in flight (a job that outlived the graceful
 * wait, failing as the pool closes) finds the database gone and does nothing, rather than
 * rejecting where no one can catch it. Such a job was not completed, so its lease lapses and
 * another worker runs it again.
 */
export async function startBoss(
  database: Pick<Database<unknown>, "executeSql" | "exclusively">,
  log: Logger,
  options: {
    supervise: boolean;
    schedule: boolean;
    // biome-ignore lint/suspicious/noExplicitAny: a registry holds kinds of any context and data
    kinds: readonly JobKind<any, any>[];
    maintenanceSeconds?: number;
  },
): Promise<{ boss: PgBoss; stop(): Promise<void> }> {
  let stopped = false;
  const boss = new PgBoss({
    db: {
      executeSql: (text: string, values: unknown[]) =>
        stopped ? Promise.resolve(nothingDone(text)) : database.executeSql(text, values),
    },
    schema: "pgboss",
    supervise: options.supervise,
    maintenanceIntervalSeconds: options.maintenanceSeconds ?? MAINTENANCE_SECONDS,
    schedule: options.schedule,
  });
  boss.on("error", (err) => log.error({ err: loggableError(err) }, "job queue error"));
  // A dead-letter queue must exist before the queue that names it.
  const kinds = [...options.kinds].sort(
    (a, b) => Number(Boolean(a.queue?.deadLetter)) - Number(Boolean(b.queue?.deadLetter)),
  );
  // pg-boss creates its schema and each queue's tables without a lock of its own: several
  // processes starting on one empty database would collide (or deadlock), so they take turns.
  await database.exclusively(LOCK_KEYS.jobQueueStart, async () => {
    await boss.start();
    for (const kind of kinds) {
      const queue = {
        name: kind.name,
        ...(kind.every === undefined ? {} : { policy: "stately" as const }),
        ...kind.queue,
      };
      await boss.createQueue(kind.name, queue);
      // A queue made before by an earlier version keeps its options until told.
      await boss.updateQueue(kind.name, queue);
      if (options.schedule && kind.schedule)
        await boss.schedule(kind.name, kind.schedule, {}, { tz: "Europe/London" });
    }
  });
  return {
    boss,
    async stop() {
      await boss.stop({ graceful: true, close: false, timeout: 10_000 });
      stopped = true;
    },
  };
}

/** Queues a job in the caller's transaction: it exists if and only if the transaction commits. */
export async function sendJob<S, D extends object>(
  boss: PgBoss,
  trx: Transaction<S>,
  name: string,
  data: D,
  options: PgBoss.SendOptions = {},
): Promise<void> {
  await boss.send(name, data, { ...options, db: runnerFor(trx) });
}

/** Wakes a kind's workers (every kind's, unnamed) when a job was queued in this process. */
export type Wake = (name?: string) => void;

/**
 * Starts this process's workers for every kind; returns what wakes them. A worker takes up to
 * `batch` jobs at a time and runs them together, so checks of small files do not wait behind
 * each other and one fetch and one completion serve several jobs. Each job fails on its own:
 * one job's error never fails the others of its batch.
 */
export async function startWorkers<C>(
  boss: PgBoss,
  ctx: C,
  log: Logger,
  // biome-ignore lint/suspicious/noExplicitAny: a registry holds kinds of any data
  kinds: readonly JobKind<C, any>[],
): Promise<Wake> {
  const byKind = new Map<string, { id: string; busy: boolean }[]>();
  for (const kind of kinds) {
    const workers: { id: string; busy: boolean }[] = [];
    byKind.set(kind.name, workers);
    for (let i = 0; i < (kind.workers ?? 1); i++) {
      const worker = { id: "", busy: false };
      worker.id = await boss.work<object>(
        kind.name,
        { pollingIntervalSeconds: kind.pollSeconds ?? 2, batchSize: kind.batch ?? 1 },
        async (jobs) => {
          worker.busy = true;
          try {
            await Promise.all(jobs.map((job) => runJob(boss, ctx, log, kind, job)));
          } finally {
            worker.busy = false;
            // A worker that found jobs looks again at once; pg-boss would otherwise wait a
            // full polling interval, and a queue would drain at one batch per interval.
            if (worker.id) boss.notifyWorker(worker.id);
          }
        },
      );
      workers.push(worker);
    }
  }
  return (name) => {
    for (const [kind, workers] of byKind) {
      if (name !== undefined && kind !== name) continue;
      // One idle worker is enough for a job just queued; a busy one looks again when it is done.
      const idle = workers.find((w) => !w.busy);
      if (idle) boss.notifyWorker(idle.id);
    }
  };
}

/**
 * Runs one job of a batch and settles it: pg-boss completes the batch's jobs when the handler
 * returns, but only those still active, so a job failed here stays failed (and is retried or
 * dead-lettered by its queue's rules). If even failing it fails, the handler throws, and
 * pg-boss fails what is left of the batch: a job is never completed by mistake.
 */
async function runJob<C>(
  boss: PgBoss,
  ctx: C,
  log: Logger,
  // biome-ignore lint/suspicious/noExplicitAny: a registry holds kinds of any data
  kind: JobKind<C, any>,
  job: PgBoss.Job<object>,
): Promise<void> {
  const about = { job: kind.name, ...kind.logged?.(job.data) };
  if (kind.arrival) log.error(about, kind.arrival);
  try {
    const report = await kind.run(ctx, job.data);
    if (report && typeof report === "object")
      log.info({ ...about, ...report }, `${kind.name} done`);
  } catch (err) {
    log.error({ ...about, err: loggableError(err) }, `${kind.name} failed`);
    await boss.fail(kind.name, job.id, err as object);
  }
}

/**
 * Sends a job of each kind that runs `every` so often: at once, then on its timer; `every`
 * overrides a kind's own interval (a test's quicker clock). Returns what stops the timers.
 */
export function startTicks<C>(
  boss: PgBoss,
  log: Logger,
  // biome-ignore lint/suspicious/noExplicitAny: a registry holds kinds of any data
  kinds: readonly JobKind<C, any>[],
  wake: Wake,
  every: Record<string, number> = {},
): () => void {
  const timers: NodeJS.Timeout[] = [];
  for (const kind of kinds) {
    const ms = every[kind.name] ?? kind.every;
    if (ms === undefined) continue;
    const tick = () =>
      boss.send(kind.name, {}).then(
        () => wake(kind.name),
        (err) =>
          log.error({ job: kind.name, err: loggableError(err) }, `sending ${kind.name} failed`),
      );
    void tick();
    timers.push(setInterval(tick, ms));
  }
  return () => {
    for (const t of timers) clearInterval(t);
  };
}

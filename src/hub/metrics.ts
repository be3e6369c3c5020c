/**
 * The hub's own metrics, beside every app's (HTTP and the process): how many transfers are in
 * each state, jobs waiting and failed per queue, mail waiting and failing (read from the
 * database, so every process reports the whole service, at most once every few seconds however
 * often it is scraped); how long checks take; sign-in failures and lockouts in this process.
 * No label holds personal data or an organisation's number: statuses, queues and reasons only.
 */
import { sql } from "kysely";
import { Counter, Gauge, Histogram } from "prom-client";
import { type AppMetrics, createAppMetrics } from "../platform/metrics/registry.js";
import { type Db, TRANSFER_STATUSES } from "./schema.js";

export interface HubMetrics extends AppMetrics {
  checkDuration: Histogram<"outcome">;
  signInFailures: Counter<"reason">;
  signInLockouts: Counter;
}

interface Snapshot {
  transfers: { status: string; n: number }[];
  jobs: { queue: string; state: string; n: number }[];
  mail: { waiting: number; failing: number };
}

async function readSnapshot(db: Db): Promise<Snapshot> {
  const [transfers, jobs, mail] = await Promise.all([
    db
      .selectFrom("transfers")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("status")
      .execute(),
    sql<{ queue: string; state: string; n: number }>`
      select name as queue,
        case when state in ('created', 'retry') then 'waiting' else state::text end as state,
        count(*)::int as n
      from pgboss.job where state in ('created', 'retry', 'active', 'failed')
      group by 1, 2`.execute(db),
    db
      .selectFrom("mail_outbox")
      .select([
        (eb) => eb.fn.countAll<number>().as("waiting"),
        (eb) => eb.fn.count<number>("last_error").as("failing"),
      ])
      .where("sent_at", "is", null)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    transfers: transfers.map((t) => ({ status: t.status, n: Number(t.n) })),
    jobs: jobs.rows.map((j) => ({ ...j, n: Number(j.n) })),
    mail: { waiting: Number(mail.waiting), failing: Number(mail.failing) },
  };
}

/** One reading shared by every gauge of a scrape, and by scrapes within `everyMs` of it. */
function cachedSnapshot(db: Db, everyMs: number): () => Promise<Snapshot> {
  let last: { at: number; reading: Promise<Snapshot> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= everyMs) {
      const reading = readSnapshot(db);
      last = { at: now, reading };
      // A failed reading is not kept: the next scrape tries again.
      reading.catch(() => {
        if (last?.reading === reading) last = undefined;
      });
    }
    return last.reading;
  };
}

export function createHubMetrics(db: Db, readEveryMs = 5000): HubMetrics {
  const app = createAppMetrics();
  const registers = [app.registry];
  const snapshot = cachedSnapshot(db, readEveryMs);
  new Gauge({
    name: "s2s_transfers",
    help: "Transfers in each status, across the service",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const { transfers } = await snapshot();
      for (const status of TRANSFER_STATUSES)
        this.set({ status }, transfers.find((t) => t.status === status)?.n ?? 0);
    },
  });
  new Gauge({
    name: "s2s_jobs",
    help: "Background jobs waiting, running and failed, per queue, across the service",
    labelNames: ["queue", "state"] as const,
    registers,
    async collect() {
      const { jobs } = await snapshot();
      this.reset();
      for (const j of jobs) this.set({ queue: j.queue, state: j.state }, j.n);
    },
  });
  new Gauge({
    name: "s2s_mail_messages",
    help: "Mail not yet sent (waiting), and of those, how many the server has refused (failing)",
    labelNames: ["state"] as const,
    registers,
    async collect() {
      const { mail } = await snapshot();
      this.set({ state: "waiting" }, mail.waiting);
      this.set({ state: "failing" }, mail.failing);
    },
  });
  return {
    ...app,
    checkDuration: new Histogram({
      name: "s2s_check_duration_seconds",
      help: "How long checking an upload took, by what it became (available, failed...)",
      labelNames: ["outcome"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    signInFailures: new Counter({
      name: "s2s_sign_in_failures_total",
      help: "Sign-ins refused in this process, by reason (password, unknown user, code, locked)",
      labelNames: ["reason"] as const,
      registers,
    }),
    signInLockouts: new Counter({
      name: "s2s_sign_in_lockouts_total",
      help: "Names locked after too many failed sign-ins, in this process",
      registers,
    }),
  };
}

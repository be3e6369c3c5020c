/**
 * hub.peak: the hub as the national service runs in its busiest days. Two web and two worker
 * processes over one PostgreSQL; simulated primary schools each upload one Year 6 file to a
 * secondary at the rate of the busiest July day compressed tenfold, arriving at random (a
 * Poisson process), not in step with the hub's answers; simulated secondaries poll their inboxes
 * as the sync agent does. Reports files a second against the rate offered, upload-to-available
 * p50/p95/p99, errors (every refusal, failure or file not available in time), and each
 * process's peak resident memory against its own when idle.
 *
 * The busiest day, as assumptions (each can be changed by its variable):
 * - 650,000 Year 6 records move in the season; 5 pupils to a file on average (a primary's Year 6
 *   splits across the secondaries it feeds): 130,000 files;
 * - the busiest day carries 15% of them in an 8-hour office day: 0.68 files a second; tenfold,
 *   6.8 a second (BENCH_PEAK_RATE);
 * - 3,400 secondaries poll their inboxes once a minute (the agent's default): 57 polls a second
 *   (BENCH_PEAK_POLLS), made here by 40 receiving schools.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import type { DB } from "../../src/hub/schema.js";
import { issueApiToken } from "../../src/platform/accounts/api-tokens.js";
import { hashPassword, randomPassword } from "../../src/platform/accounts/passwords.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { freshPostgresUrl } from "../../test/helpers/db.js";
import { type HubProcess, startHubProcess, stopProcess } from "../../test/helpers/hub-process.js";
import { seeded } from "../../test/helpers/seeded.js";
import type { BenchOutcome } from "../result.js";
import { percentile } from "../stats.js";
import { type CheckWatcher, watchChecks } from "./check-watcher.js";
import { benchStore } from "./processes.js";

const FILES_PER_SEASON = 650_000 / 5;
const BUSIEST_DAY_SHARE = 0.15;
const OFFICE_SECONDS = 8 * 3600;
const COMPRESSION = 10;
const RATE = Number(
  process.env.BENCH_PEAK_RATE ??
    ((FILES_PER_SEASON * BUSIEST_DAY_SHARE) / OFFICE_SECONDS) * COMPRESSION,
);
const POLLS = Number(process.env.BENCH_PEAK_POLLS ?? 3400 / 60);
const SECONDS = Number(process.env.BENCH_PEAK_SECONDS ?? 60);
const RECEIVERS = 40;
const PUPILS = 5;
/** A file not available this long after it was sent counts as an error. */
const GIVE_UP_MS = 60_000;

async function residentKb(pid: number | undefined, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
}

interface School {
  laestab: string;
  token: string;
}

/** Senders and receivers, with an account and a token each, straight into the directory. */
async function simulatedSchools(url: string, senders: number) {
  const database = await openDatabase<DB>({ url });
  try {
    // Nobody signs in as them: one hash serves every account.
    const passwordHash = await hashPassword(randomPassword());
    const make = async (laestab: string, name: string): Promise<School> =>
      database.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("establishments")
          .values({
            laestab,
            urn: null,
            name,
            la_code: laestab.slice(0, 3),
            la_name: laestab.startsWith("823") ? "Northshire" : "Southvale",
            email: `office@${laestab}.school.invalid`,
            updated_at: new Date(),
            town: null,
            successor_urn: null,
          })
          .execute();
        const user = await trx
          .insertInto("users")
          .values({
            username: `peak-${laestab}`,
            email: `office@${laestab}.school.invalid`,
            role: "school",
            establishment: laestab,
            la_code: null,
            password_hash: passwordHash,
            created_at: new Date(),
            totp_secret: null,
            totp_pending: null,
            totp_last_step: null,
            home_seen_at: null,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        const { token } = await issueApiToken(trx, { userId: user.id, prefix: "s2s_" });
        return { laestab, token };
      });
    const receivers: School[] = [];
    for (let i = 0; i < RECEIVERS; i++)
      receivers.push(await make(`938${5000 + i}`, `Peak Secondary ${i + 1}`));
    const sending: School[] = [];
    for (let i = 0; i < senders; i++)
      sending.push(await make(`823${5000 + i}`, `Peak Primary ${i + 1}`));
    return { receivers, senders: sending };
  } finally {
    await database.close();
  }
}

export async function peakBench(log: (line: string) => void): Promise<BenchOutcome[]> {
  const uploads = Math.round(RATE * SECONDS);
  log(
    `${uploads} uploads at ${RATE.toFixed(1)} files/s for ${SECONDS} s; ${POLLS.toFixed(0)} inbox polls/s; 2 web + 2 worker processes`,
  );
  const db = await freshPostgresUrl(
    process.env.BENCH_DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
    "s2s_peak",
  );
  const dirs: string[] = [];
  const folder = async (what: string) => {
    const dir = await mkdtemp(join(tmpdir(), `s2s-peak-${what}-`));
    dirs.push(dir);
    return dir;
  };
  const shared = await folder("shared");
  const store = await benchStore();
  log(
    `the hub's store: ${store.suffix ? "an S3 bucket (s3rver, in a process of its own)" : "a shared folder"}`,
  );
  const env: Record<string, string> = {
    ...store.env,
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    DATABASE_URL: db.url,
    S2S_MASTER_KEY_FILE: join(await folder("key"), "master.key"),
    PORT: "0",
  };
  const processes: { name: string; proc: HubProcess; idleKb: number }[] = [];
  let said = "";
  const start = async (name: string, role: "web" | "worker", extra: string[] = []) => {
    // One data folder, shared as a mounted volume would be: the folder store (unless
    // BENCH_STORE=s3) is in it.
    const proc = await startHubProcess({ ...env, S2S_DATA_DIR: shared }, role, extra, (t) => {
      said = (said + t).slice(-5000);
    });
    processes.push({ name, proc, idleKb: 0 });
  };
  let watcher: CheckWatcher | undefined;
  try {
    await start("web-1", "web", ["--demo"]);
    await Promise.all([
      start("web-2", "web"),
      start("worker-1", "worker"),
      start("worker-2", "worker"),
    ]);
    const schools = await simulatedSchools(db.url, uploads);
    await new Promise((r) => setTimeout(r, 2000));
    for (const p of processes) p.idleKb = await residentKb(p.proc.child.pid, "VmRSS");
    const webs = processes.filter((p) => p.name.startsWith("web")).map((p) => p.proc.url);

    const checks = await watchChecks(db.url, 10);
    watcher = checks;
    const errors: string[] = [];
    const error = (what: string) => {
      if (errors.length < 5) log(`error: ${what}`);
      errors.push(what);
    };
    const latencies: number[] = [];
    let polls = 0;
    let polling = true;
    // Each receiver polls on its own timer, the load spread across both web processes.
    const pollers = schools.receivers.map(async (school, i) => {
      const every = (RECEIVERS / POLLS) * 1000;
      await new Promise((r) => setTimeout(r, (i / RECEIVERS) * every));
      while (polling) {
        const next = Date.now() + every;
        const r = await fetch(`${webs[polls % webs.length]}/api/v1/inbox`, {
          headers: { authorization: `Bearer ${school.token}` },
        }).catch((e: Error) => e);
        polls++;
        if (r instanceof Error) error(`inbox: ${r.message}`);
        else {
          await r.arrayBuffer();
          if (r.status !== 200) error(`inbox answered ${r.status}`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
      }
    });

    // Random gaps (exponential), scaled so that the run offers exactly RATE on average.
    const next = seeded(27);
    const gaps = schools.senders.map(() => -Math.log(1 - next()));
    const scale = (SECONDS * 1000) / gaps.reduce((a, b) => a + b, 0);
    const began = performance.now();
    let due = 0;
    const sends: Promise<void>[] = [];
    for (const [i, school] of schools.senders.entries()) {
      due += (gaps[i] ?? 0) * scale;
      const wait = began + due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const to = schools.receivers[i % RECEIVERS] as School;
      sends.push(
        (async () => {
          const xml = writeCtf(
            generateCtf({ from: school.laestab, to: to.laestab, pupils: PUPILS, seed: i + 1 }),
          );
          const form = new FormData();
          form.set(
            "file",
            new Blob([xml], { type: "application/xml" }),
            `${school.laestab}_CTF_${to.laestab}_001.XML`,
          );
          const at = performance.now();
          const r = await fetch(`${webs[i % webs.length]}/api/v1/transfers`, {
            method: "POST",
            headers: { authorization: `Bearer ${school.token}` },
            body: form,
          }).catch((e: Error) => e);
          if (r instanceof Error) return error(`upload: ${r.message}`);
          const body = (await r.json()) as { id?: string };
          if (r.status !== 202 || !body.id) return error(`upload answered ${r.status}`);
          const status = await checks.checked(body.id, GIVE_UP_MS);
          if (status !== "available") return error(`a file became ${status}`);
          latencies.push((performance.now() - at) / 1000);
        })(),
      );
    }
    await Promise.all(sends);
    const seconds = (performance.now() - began) / 1000;
    polling = false;
    await Promise.all(pollers);
    await checks.stop();
    watcher = undefined;
    const peakKb = await Promise.all(processes.map((p) => residentKb(p.proc.child.pid, "VmHWM")));
    const rate = latencies.length / seconds;
    const [p50, p95, p99] = [0.5, 0.95, 0.99].map((p) => percentile(latencies, p)) as [
      number,
      number,
      number,
    ];
    log(
      `${latencies.length} available in ${seconds.toFixed(1)} s (${rate.toFixed(2)} files/s of ${RATE.toFixed(2)} offered); p50 ${p50.toFixed(3)} s, p95 ${p95.toFixed(3)} s, p99 ${p99.toFixed(3)} s; ${polls} inbox polls (${(polls / seconds).toFixed(0)}/s); ${errors.length} errors`,
    );
    const results: BenchOutcome[] = [
      {
        name: `hub.peak${store.suffix}`,
        value: rate,
        unit: "files/s",
        baseline: "the busiest July day's rate x10",
        baseline_value: RATE,
        ratio: rate / RATE,
        goal: `keeps up (ratio ~1) with 0 errors (${errors.length}); p50 ${p50.toFixed(3)} s, p95 ${p95.toFixed(3)} s, p99 ${p99.toFixed(3)} s`,
      },
      ...(
        [
          ["p50", p50],
          ["p95", p95],
          ["p99", p99],
        ] as const
      ).map(([name, value]) => ({
        name: `hub.peak${store.suffix}.${name}`,
        value,
        unit: "s",
        baseline: "goal",
        baseline_value: 0.5,
        ratio: value / 0.5,
        goal: "ratio < 1",
      })),
      {
        name: `hub.peak${store.suffix}.errors`,
        value: errors.length,
        unit: "errors",
        baseline: "uploads",
        baseline_value: uploads,
        ratio: errors.length / uploads,
        goal: "0",
      },
      ...processes.map((p, i) => ({
        name: `hub.peak${store.suffix}.rss.${p.name}`,
        value: (peakKb[i] ?? 0) / 1024,
        unit: "MB",
        baseline: "its own when idle",
        baseline_value: p.idleKb / 1024,
        ratio: (peakKb[i] ?? 0) / p.idleKb,
        goal: "peak resident memory",
      })),
    ];
    if (errors.length > 0)
      results.push({
        name: `hub.peak${store.suffix}.errors`,
        error: `${errors.length} errors; ${errors[0]}`,
      });
    return results;
  } catch (e) {
    return [{ name: "hub.peak", error: `${(e as Error).message}\n${said}` }];
  } finally {
    await watcher?.stop().catch(() => {});
    await Promise.all(processes.map((p) => stopProcess(p.proc.child, "SIGTERM")));
    await store.stop();
    await db.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

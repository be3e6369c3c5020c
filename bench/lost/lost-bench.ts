/**
 * The LA's search of the registers. lost.quality: 10,000 synthetic lost pupils and 100 searches
 * of each kind made from them (test/helpers/lost-register.ts); the recall of the true pupil in
 * the first five (typo, near_date, ...) and the number of searches for absent pupils answered
 * "certain". lost.search: 1,000,000 lost pupils on PostgreSQL (`BENCH_LOST_PUPILS` to change) and
 * 200 searches of those kinds; p50 and p95 in ms, against an exact UPN lookup in the same run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { configFromEnv } from "../../src/hub/config.js";
import { rankRegisters } from "../../src/hub/lost-pupils.js";
import { type RunningHub, startHub } from "../../src/hub/service.js";
import { freshPostgresUrl } from "../../test/helpers/db.js";
import {
  loadRegister,
  measureQuality,
  searchesFor,
  syntheticRegister,
} from "../../test/helpers/lost-register.js";
import type { BenchResult } from "../result.js";
import { percentile } from "../stats.js";

/** A hub on a fresh PostgreSQL database (demo accounts), with `count` pupils in its register. */
async function hubWithRegister(count: number, log: (line: string) => void) {
  const db = await freshPostgresUrl(
    process.env.BENCH_DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
    "s2s_lost",
  );
  const dataDir = await mkdtemp(join(tmpdir(), "s2s-benchlost-"));
  let hub: RunningHub | undefined;
  try {
    const config = configFromEnv({}, { dataDir, port: 0, databaseUrl: db.url });
    hub = await startHub(config, { role: "worker", demo: true, schedules: false });
    const sender = await hub.ctx.db
      .selectFrom("users")
      .select(["id", "establishment"])
      .where("username", "=", "brookfield")
      .executeTakeFirstOrThrow();
    const pupils = syntheticRegister(count);
    const started = performance.now();
    await loadRegister(
      hub.ctx.db,
      pupils,
      { userId: sender.id, laestab: sender.establishment ?? "" },
      1000,
    );
    await sql`analyze transfer_pupils`.execute(hub.ctx.db);
    await sql`analyze transfers`.execute(hub.ctx.db);
    log(
      `${count} pupils in the register in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    const running = hub;
    return {
      hub: running,
      pupils,
      async close() {
        await running.stop();
        await db.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await hub?.stop();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}

export async function lostQuality(log: (line: string) => void): Promise<BenchResult[]> {
  const { hub, pupils, close } = await hubWithRegister(10_000, log);
  try {
    const q = await measureQuality(
      hub.ctx.db,
      searchesFor(pupils, 100),
      syntheticRegister(100, 7, 10_000),
    );
    log(`recall in the first five: ${JSON.stringify(q.recall)}`);
    const recall = (name: string, value: number, goal: number): BenchResult => ({
      name: `lost.quality.${name}`,
      value,
      unit: "recall",
      baseline: "goal",
      baseline_value: goal,
      ratio: value / goal,
      goal: `recall >= ${goal}`,
    });
    return [
      recall("typo", q.recall.typo, 0.99),
      recall("near_date", q.recall.near_date, 0.95),
      recall("former_surname", q.recall.former_surname, 0.95),
      recall("swapped_names", q.recall.swapped_names, 0.95),
      recall("missing_forename", q.recall.missing_forename, 0.95),
      {
        name: "lost.quality.false_certain",
        value: q.falseCertain,
        unit: "searches",
        baseline: "searches for absent pupils",
        baseline_value: 200,
        ratio: q.falseCertain / 200,
        goal: "0",
      },
    ];
  } finally {
    await close();
  }
}

export async function lostSearch(log: (line: string) => void): Promise<BenchResult[]> {
  const count = Number(process.env.BENCH_LOST_PUPILS ?? 1_000_000);
  const { hub, pupils, close } = await hubWithRegister(count, log);
  try {
    const searches = searchesFor(pupils, 40, 3);
    const blank = { surname: "", forename: "", from: "" };
    const time = async (run: () => Promise<unknown>) => {
      const at = performance.now();
      await run();
      return performance.now() - at;
    };
    // Warm both: the first queries of a connection plan and read cold.
    for (const s of searches.slice(0, 20)) await rankRegisters(hub.ctx.db, s.query);
    for (const s of searches.slice(0, 20))
      await rankRegisters(hub.ctx.db, { ...blank, upn: s.upn });
    const searched: number[] = [];
    const byUpn: number[] = [];
    for (const s of searches) {
      searched.push(await time(() => rankRegisters(hub.ctx.db, s.query)));
      byUpn.push(await time(() => rankRegisters(hub.ctx.db, { ...blank, upn: s.upn })));
    }
    const [p50, p95, u50, u95] = [
      percentile(searched, 0.5),
      percentile(searched, 0.95),
      percentile(byUpn, 0.5),
      percentile(byUpn, 0.95),
    ] as [number, number, number, number];
    log(
      `${searches.length} searches of ${count} pupils: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms; by UPN p50 ${u50.toFixed(1)} ms, p95 ${u95.toFixed(1)} ms`,
    );
    return [
      {
        name: "lost.search.p50",
        value: p50,
        unit: "ms",
        baseline: "exact UPN lookup p50",
        baseline_value: u50,
        ratio: p50 / u50,
      },
      {
        name: "lost.search.p95",
        value: p95,
        unit: "ms",
        baseline: "exact UPN lookup p95",
        baseline_value: u95,
        ratio: p95 / u95,
        goal: "p95 under 100 ms",
      },
    ];
  } finally {
    await close();
  }
}

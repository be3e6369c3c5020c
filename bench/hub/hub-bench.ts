/**
 * hub.upload_to_available: 16 clients upload generated 20 KB CTFs to a hub on PostgreSQL and
 * wait for each to become available; files per second, against a bare Fastify route taking the
 * same multipart upload to disk with fsync. hub.inbox: requests per second for an inbox of 50
 * files, against a bare Fastify JSON route. Servers run in their own processes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { freshPostgresUrl } from "../../test/helpers/db.js";
import type { BenchResult } from "../result.js";
import { percentile } from "../stats.js";
import { watchChecks } from "./check-watcher.js";
import { BARE, BIN, benchStore, runCli, startServer, stopServer } from "./processes.js";

const CLIENTS = 16;
const UPLOADS = 320;
const INBOX_SECONDS = 5;

function freshDatabase() {
  return freshPostgresUrl(
    process.env.BENCH_DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
    "s2s_bench",
  );
}

function form(xml: string, name: string): FormData {
  const f = new FormData();
  f.set("file", new Blob([xml], { type: "application/xml" }), name);
  return f;
}

async function pool(total: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < total; i = next++) await work(i);
    }),
  );
  return (performance.now() - start) / 1000;
}

async function rps(
  url: string,
  headers: Record<string, string>,
  seconds = INBOX_SECONDS,
): Promise<number> {
  let count = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const r = await fetch(url, { headers });
        if (r.status !== 200) throw new Error(`inbox answered ${r.status}`);
        await r.arrayBuffer();
        count++;
      }
    }),
  );
  return count / seconds;
}

export async function hubBench(log: (line: string) => void): Promise<BenchResult[]> {
  // Every upload different: the hub refuses the same bytes sent twice while the first waits.
  const files = Array.from({ length: UPLOADS }, (_, i) =>
    writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 4, seed: i + 1 })),
  );
  log(`uploads of ${Math.round(files[0]?.length ?? 0 / 1024)} bytes each, ${CLIENTS} clients`);
  const db = await freshDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), "s2s-benchhub-"));
  const store = await benchStore();
  if (store.suffix) log("the hub's store: an S3 bucket (s3rver, in a process of its own)");
  const env = {
    ...process.env,
    ...store.env,
    DATABASE_URL: db.url,
    S2S_DATA_DIR: dataDir,
    PORT: "0",
  };
  const hub = await startServer([BIN, "hub", "serve", "--demo"], env);
  const bare = await startServer(["--import", "tsx", BARE], env);
  try {
    const sender = runCli(
      ["hub", "admin", "tokens", "create", "--username", "brookfield"],
      env,
    ).trim();
    const receiver = runCli(
      ["hub", "admin", "tokens", "create", "--username", "meadowlane"],
      env,
    ).trim();
    const auth = (t: string) => ({ authorization: `Bearer ${t}` });

    // Baseline: the same uploads to a bare route that writes them to disk with fsync.
    const bareSeconds = await pool(UPLOADS, async (i) => {
      const r = await fetch(`${bare.url}/upload`, {
        method: "POST",
        body: form(files[i % files.length] as string, "x.XML"),
      });
      if (r.status !== 202) throw new Error(`bare upload answered ${r.status}`);
      await r.arrayBuffer();
    });

    // Each client uploads a file, waits until it is available, then sends the next.
    const watcher = await watchChecks(db.url, 5);
    const latencies: number[] = [];
    const hubSeconds = await pool(UPLOADS, async (i) => {
      const name = `8231234_CTF_9382001_${String((i % 999) + 1).padStart(3, "0")}.XML`;
      const at = Date.now();
      const r = await fetch(`${hub.url}/api/v1/transfers`, {
        method: "POST",
        headers: auth(sender),
        body: form(files[i % files.length] as string, name),
      });
      if (r.status !== 202) throw new Error(`hub upload answered ${r.status}: ${await r.text()}`);
      const { id } = (await r.json()) as { id: string };
      const status = await watcher.checked(id);
      if (status !== "available") throw new Error(`upload became ${status}`);
      latencies.push((Date.now() - at) / 1000);
    });
    await watcher.stop();
    const hubRate = UPLOADS / hubSeconds;
    const bareRate = UPLOADS / bareSeconds;
    const p95 = percentile(latencies, 0.95);
    log(
      `upload to available: ${hubRate.toFixed(1)} files/s (bare ${bareRate.toFixed(1)}), p50 ${percentile(latencies, 0.5).toFixed(3)} s, p95 ${p95.toFixed(3)} s`,
    );

    // An inbox of exactly 50 files: accept (move out of "available") all but the newest 50.
    const inbox = (await (
      await fetch(`${hub.url}/api/v1/inbox`, { headers: auth(receiver) })
    ).json()) as { transfers: { id: string }[] };
    for (const t of inbox.transfers.slice(0, -50)) {
      const r = await fetch(`${hub.url}/api/v1/transfers/${t.id}`, {
        method: "DELETE",
        headers: auth(sender),
      });
      await r.arrayBuffer();
    }
    // Both sides warm up first, so the JIT has compiled the hot paths before we count.
    await rps(`${hub.url}/api/v1/inbox`, auth(receiver), 3);
    await rps(`${bare.url}/inbox`, {}, 3);
    const hubRps = await rps(`${hub.url}/api/v1/inbox`, auth(receiver));
    const bareRps = await rps(`${bare.url}/inbox`, {});
    return [
      {
        name: `hub.upload_to_available${store.suffix}`,
        value: hubRate,
        unit: "files/s",
        baseline: "bare Fastify multipart to disk with fsync",
        baseline_value: bareRate,
        ratio: hubRate / bareRate,
        goal: `ratio >= 0.5; p95 upload-to-available ${p95.toFixed(3)} s (goal < 0.5 s)`,
      },
      {
        name: `hub.upload_to_available${store.suffix}.p95`,
        value: p95,
        unit: "s",
        baseline: "goal",
        baseline_value: 0.5,
        ratio: p95 / 0.5,
        goal: "ratio < 1",
      },
      {
        name: `hub.inbox${store.suffix}`,
        value: hubRps,
        unit: "req/s",
        baseline: "bare Fastify JSON route",
        baseline_value: bareRps,
        ratio: hubRps / bareRps,
        goal: "ratio >= 0.5",
      },
    ];
  } finally {
    await stopServer(hub.child);
    await stopServer(bare.child);
    await store.stop();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

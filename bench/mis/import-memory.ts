/**
 * mis.import_memory: how much a school side's resident memory grows while it starts an import
 * of a 48 MB CTF waiting for it on the hub (fetched, parsed, matched and stored), against the
 * same for a 1 MB file, each in a fresh school side process on PGlite (its default) beside a
 * fresh hub on PostgreSQL. Memory is sampled from /proc every 20 ms; growth is the peak over the
 * RSS after a small warm-up import. The ratio is the big file's extra growth per megabyte of
 * file: what each megabyte of a hub file costs a school side to take in.
 */
import { openAsBlob } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { freshPostgresUrl } from "../../test/helpers/db.js";
import { writeCtfOfSize } from "../ctf/read-check.js";
import { BIN, runCli, startServer, stopServer } from "../hub/processes.js";
import { rssOf, send } from "../hub/upload-memory.js";
import type { BenchOutcome } from "../result.js";

const MB = 1024 * 1024;
const BIG_MB = 48;

/** Starts an import of a hub file on the school side, as a manager's script would. */
async function startImport(url: string, token: string, transfer: string): Promise<void> {
  const r = await fetch(`${url}/api/v1/imports`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ transfer }),
  });
  if (r.status !== 201) throw new Error(`the import was refused (${r.status}): ${await r.text()}`);
}

/** Peak RSS growth of a fresh school side while it starts an import of `path` from the hub. */
async function growth(path: string, log: (line: string) => void): Promise<number> {
  const db = await freshPostgresUrl(
    process.env.BENCH_DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
    "s2s_bench",
  );
  const dir = await mkdtemp(join(tmpdir(), "s2s-bench-import-memory-"));
  const hubEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    S2S_DATA_DIR: join(dir, "hub"),
    PORT: "0",
  };
  const hub = await startServer([BIN, "hub", "serve", "--demo"], hubEnv);
  let school: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const token = (username: string) =>
      runCli(["hub", "admin", "tokens", "create", "--username", username], hubEnv).trim();
    const sender = token("brookfield");
    const warm = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 4, seed: 98 }));
    const warmId = await send(hub.url, sender, "8231234_CTF_9382001_900.XML", new Blob([warm]));
    const bigId = await send(
      hub.url,
      sender,
      "8231234_CTF_9382001_001.XML",
      await openAsBlob(path),
    );

    const data = join(dir, "school");
    const { MIS_DATABASE_URL: _pglite, ...inherited } = process.env;
    const misEnv = { ...inherited, S2S_MASTER_KEY_FILE: join(dir, "school.key") };
    const mis = (...args: string[]) => runCli(["mis", ...args, "--data", data], misEnv);
    const hubToken = token("meadowlane");
    mis(
      "init",
      "--laestab",
      "9382001",
      "--name",
      "Meadow Lane",
      "--hub",
      hub.url,
      "--hub-token",
      hubToken,
    );
    mis(
      "users",
      "create",
      "--username",
      "head",
      "--role",
      "manager",
      "--email",
      "head@example.org",
      "--no-change-at-sign-in",
    );
    const manager = mis("tokens", "create", "--username", "head").trim();
    school = await startServer([BIN, "mis", "serve", "--data", data, "--port", "0"], misEnv);
    const pid = school.child.pid as number;
    // A small import first, so that what every import needs once (code, pools) is counted out.
    await startImport(school.url, manager, warmId);
    const before = await rssOf(pid);
    let peak = before;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssOf(pid));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await startImport(school.url, manager, bigId);
    } finally {
      sampling = false;
      await sampler;
    }
    log(
      `  ${path.split("/").pop()}: RSS ${(before / MB).toFixed(0)} MB -> peak ${(peak / MB).toFixed(0)} MB`,
    );
    return peak - before;
  } finally {
    if (school) await stopServer(school.child);
    await stopServer(hub.child);
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function importMemory(log: (line: string) => void): Promise<BenchOutcome[]> {
  const dir = await mkdtemp(join(tmpdir(), "s2s-bench-import-files-"));
  try {
    const small = join(dir, "small.XML");
    const big = join(dir, "big.XML");
    log(`generating a 1 MB and a ${BIG_MB} MB CTF of synthetic pupils for Meadow Lane...`);
    await writeCtfOfSize(small, MB, 5, "9382001", true);
    const pupils = await writeCtfOfSize(big, BIG_MB * MB, 6, "9382001", true);
    log(`  the ${BIG_MB} MB file holds ${pupils} pupils`);
    let smallGrowth: number;
    let bigGrowth: number;
    try {
      smallGrowth = await growth(small, log);
      bigGrowth = await growth(big, log);
    } catch (e) {
      return [{ name: "mis.import_memory", error: (e as Error).message }];
    }
    const perMb = (bigGrowth - smallGrowth) / MB / (BIG_MB - 1);
    log(
      `import memory: 1 MB file +${(smallGrowth / MB).toFixed(1)} MB, ${BIG_MB} MB file +${(bigGrowth / MB).toFixed(1)} MB`,
    );
    return [
      {
        name: "mis.import_memory",
        value: bigGrowth / MB,
        unit: "MB",
        baseline: "the same for a 1 MB file",
        baseline_value: smallGrowth / MB,
        ratio: perMb,
        goal: "MB of memory per MB of file (the parsed pupils, matched, are held); lower is better",
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

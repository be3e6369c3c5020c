/**
 * hub.upload_memory: how much the serving process's resident memory grows while a 100 MB CTF
 * is uploaded and checked, against the same for a 1 MB file, each in a fresh hub process on
 * PostgreSQL. Memory is sampled from /proc every 20 ms; growth is the peak over the RSS after
 * a warm-up upload. Goal: the 100 MB file costs at most 100 MB more than the 1 MB one.
 */
import { openAsBlob } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { freshPostgresUrl } from "../../test/helpers/db.js";
import { writeCtfOfSize } from "../ctf/read-check.js";
import type { BenchOutcome } from "../result.js";
import { BIN, runCli, startServer, stopServer } from "./processes.js";

const MB = 1024 * 1024;

export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** Sends a file to the hub as a script would, and waits until it has passed its checks. */
export async function send(url: string, token: string, name: string, body: Blob): Promise<string> {
  const form = new FormData();
  form.set("file", body, name);
  const headers = { authorization: `Bearer ${token}` };
  const r = await fetch(`${url}/api/v1/transfers`, { method: "POST", headers, body: form });
  if (r.status !== 202) throw new Error(`${name} was refused (${r.status}): ${await r.text()}`);
  const { id } = (await r.json()) as { id: string };
  await waitAvailable(url, headers, id, name);
  return id;
}

async function waitAvailable(
  url: string,
  headers: Record<string, string>,
  id: string,
  name: string,
): Promise<void> {
  for (;;) {
    const v = (await (await fetch(`${url}/api/v1/transfers/${id}`, { headers })).json()) as {
      status: string;
      errors?: { message: string }[];
    };
    if (v.status === "available") return;
    if (v.status !== "checking")
      throw new Error(
        `${name} became ${v.status}${v.errors?.[0] ? `: ${v.errors[0].message}` : ""}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Peak RSS growth of a fresh hub while `file` is uploaded and checked. */
async function growth(path: string, log: (line: string) => void): Promise<number> {
  const db = await freshPostgresUrl(
    process.env.BENCH_DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
    "s2s_bench",
  );
  const dataDir = await mkdtemp(join(tmpdir(), "s2s-benchmem-"));
  const env = { ...process.env, DATABASE_URL: db.url, S2S_DATA_DIR: dataDir, PORT: "0" };
  const hub = await startServer([BIN, "hub", "serve", "--demo"], env);
  try {
    const token = runCli(["hub", "admin", "tokens", "create", "--username", "brookfield"], env);
    const pid = hub.child.pid as number;
    // A small file first, so that what every upload needs once (code, pools) is counted out.
    const warm = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 4, seed: 99 }));
    await send(hub.url, token.trim(), "8231234_CTF_9382001_900.XML", new Blob([warm]));
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
      await send(hub.url, token.trim(), "8231234_CTF_9382001_001.XML", await openAsBlob(path));
    } finally {
      // Stopped before the hub is, whether the upload went or not.
      sampling = false;
      await sampler;
    }
    log(
      `  ${path.split("/").pop()}: RSS ${(before / MB).toFixed(0)} MB -> peak ${(peak / MB).toFixed(0)} MB`,
    );
    return peak - before;
  } finally {
    await stopServer(hub.child);
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function uploadMemory(log: (line: string) => void): Promise<BenchOutcome[]> {
  const dir = await mkdtemp(join(tmpdir(), "s2s-benchmem-files-"));
  try {
    const small = join(dir, "small.XML");
    const big = join(dir, "big.XML");
    log("generating a 1 MB and a 100 MB CTF of synthetic pupils...");
    // Pupils as full as real ones (years of attendance marks), so that 100 MB stays within the
    // hub's limit of pupils in one file (S2S_MAX_PUPILS_PER_FILE, 10,000).
    await writeCtfOfSize(small, MB, 3, "9382001", true);
    const pupils = await writeCtfOfSize(big, 100 * MB, 4, "9382001", true);
    log(`  the 100 MB file holds ${pupils} pupils`);
    let smallGrowth: number;
    let bigGrowth: number;
    try {
      smallGrowth = await growth(small, log);
      bigGrowth = await growth(big, log);
    } catch (e) {
      // A refused or failed upload is this benchmark's result, not a crash of the run.
      return [{ name: "hub.upload_memory", error: (e as Error).message }];
    }
    const extra = (bigGrowth - smallGrowth) / MB;
    log(
      `upload memory: 1 MB file +${(smallGrowth / MB).toFixed(1)} MB, 100 MB file +${(bigGrowth / MB).toFixed(1)} MB`,
    );
    return [
      {
        name: "hub.upload_memory",
        value: bigGrowth / MB,
        unit: "MB",
        baseline: "the same for a 1 MB file",
        baseline_value: smallGrowth / MB,
        ratio: extra / 100,
        goal: `100 MB file's growth at most 100 MB over the 1 MB file's (${extra.toFixed(1)} MB over): ratio <= 1`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

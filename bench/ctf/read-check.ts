/**
 * ctf.read_check: MB/s to read and check a generated 100 MB CTF against saxes merely
 * tokenising the same bytes, in the same run; and peak memory for a 1 MB and a 100 MB file.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateHeader, generatePupils } from "../../src/ctf/generator.js";
import type { Pupil } from "../../src/ctf/model.js";
import { CtfWriter } from "../../src/ctf/writer.js";
import type { BenchResult } from "../result.js";
import { runWorker } from "../worker.js";

const ROUNDS = 5;

/**
 * A generated CTF of about `bytes`; `fuller` gives each pupil a year of attendance marks, session
 * by session, for each year of their attendance (a CTF of real size holds fewer, fuller pupils
 * than the generator's). Returns how many pupils it holds.
 */
export async function writeCtfOfSize(
  path: string,
  bytes: number,
  seed: number,
  to = "8235678",
  fuller = false,
): Promise<number> {
  const options = { from: "8231234", to, pupils: Number.MAX_SAFE_INTEGER, seed };
  const header = generateHeader({ ...options, pupils: 1 });
  const out = createWriteStream(path);
  let written = 0;
  let pupils = 0;
  const writer = new CtfWriter((s) => {
    written += Buffer.byteLength(s);
    out.write(s);
  }, header);
  for (const pupil of generatePupils(options, header)) {
    if (written >= bytes) break;
    if (fuller) withYearsOfMarks(pupil);
    writer.pupil(pupil);
    pupils++;
    if (out.writableNeedDrain) await once(out, "drain");
  }
  writer.end();
  out.end();
  await once(out, "finish");
  return pupils;
}

/**
 * A year of attendance, session by session (two a day, 190 days, present mostly, as a register
 * marks them), for every school year the pupil has had since Reception.
 */
function withYearsOfMarks(pupil: Pupil): void {
  const marks = Array.from({ length: 190 }, (_, day) =>
    day % 37 === 5 ? "I\\" : day % 53 === 9 ? "MM" : "/\\",
  ).join("");
  const latest = pupil.attendance?.[0];
  if (!latest?.year) return;
  const years = Number(pupil.basicDetails?.ncYearActual ?? 0) + 1;
  pupil.attendance = Array.from({ length: years }, (_, i) => {
    const year = String(Number(latest.year) - i);
    return { ...latest, year, attendSessions: { startDate: `${year}-09-04`, marks } };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Sample {
  seconds: number;
  bytes: number;
  maxRssMb: number;
}

export async function readCheck(log: (line: string) => void): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "s2s-bench-"));
  try {
    const big = join(dir, "8231234_CTF_8235678_001.XML");
    const small = join(dir, "8231234_CTF_8235678_002.XML");
    log("generating a 100 MB and a 1 MB CTF of synthetic pupils...");
    await writeCtfOfSize(big, 100 * 1024 * 1024, 1);
    await writeCtfOfSize(small, 1024 * 1024, 2);

    const ours: number[] = [];
    const bare: number[] = [];
    const ratios: number[] = [];
    let bigRss = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Each round is a pair run back to back, in alternating order, and judged as a pair:
      // this machine's speed drifts between rounds far more than within one.
      const first = round % 2 === 0 ? "tokenise" : "read";
      const a = await runWorker<Sample>("ctf/read-worker.ts", [first, big]);
      const b = await runWorker<Sample>("ctf/read-worker.ts", [
        first === "read" ? "tokenise" : "read",
        big,
      ]);
      const [t, r] = first === "tokenise" ? [a, b] : [b, a];
      bare.push(t.bytes / 1e6 / t.seconds);
      ours.push(r.bytes / 1e6 / r.seconds);
      ratios.push(t.seconds / r.seconds);
      bigRss = Math.max(bigRss, r.maxRssMb);
      log(
        `round ${round + 1}: read+check ${ours.at(-1)?.toFixed(1)} MB/s, saxes ${bare.at(-1)?.toFixed(1)} MB/s`,
      );
    }
    const smallRss = (await runWorker<Sample>("ctf/read-worker.ts", ["read", small])).maxRssMb;
    const value = median(ours);
    const baseline = median(bare);
    const results: BenchResult[] = [
      {
        name: "ctf.read_check",
        value,
        unit: "MB/s",
        baseline: "saxes tokenise",
        baseline_value: baseline,
        ratio: median(ratios),
        goal: "ratio >= 0.8 (median of the rounds' ratios)",
      },
      {
        name: "ctf.read_check.peak_memory_100mb",
        value: bigRss,
        unit: "MB",
        baseline: "peak memory for a 1 MB file",
        baseline_value: smallRss,
        ratio: bigRss / smallRss,
        goal: `no more than 64 MB above the 1 MB file's (is ${(bigRss - smallRss).toFixed(1)} MB above)`,
      },
    ];
    const lint = xmllint(big);
    if (lint !== undefined) {
      results.push({
        name: "ctf.read_check.vs_xmllint",
        value,
        unit: "MB/s",
        baseline: "xmllint --stream --noout",
        baseline_value: lint,
        ratio: value / lint,
      });
    } else log("xmllint is not installed: no second baseline (apt-get install libxml2-utils)");
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function xmllint(file: string): number | undefined {
  try {
    execFileSync("xmllint", ["--version"], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  const runs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    execFileSync("xmllint", ["--stream", "--noout", file], { stdio: "ignore" });
    runs.push((100 * 1024 * 1024) / 1e6 / ((performance.now() - start) / 1000));
  }
  return median(runs);
}

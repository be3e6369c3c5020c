/**
 * mis.import_page: listing what a school can import (the Import page, GET /api/v1/incoming) with
 * 200 CTFs of 30 pupils in its data exchange folder, the folder index warm (nothing changed since
 * the last listing: a directory read and a stat a file) against the same listing cold (every file
 * read and parsed, as every listing did before the index), in the same run and process.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { OpenedParts } from "../../src/platform/opened-parts.js";
import { misConfigFromEnv } from "../../src/school/config.js";
import { setExchangeFolder } from "../../src/school/exchange-folder.js";
import { FolderIndex } from "../../src/school/folder-index.js";
import { listIncoming } from "../../src/school/incoming.js";
import { initSchool } from "../../src/school/school.js";
import { openMisContext } from "../../src/school/service.js";
import type { BenchResult } from "../result.js";

const FILES = 200;
const ROUNDS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function importPageBench(log: (line: string) => void): Promise<BenchResult[]> {
  const dataDir = await mkdtemp(join(tmpdir(), "s2s-bench-import-page-"));
  const folder = await mkdtemp(join(tmpdir(), "s2s-bench-exchange-"));
  const parts = new OpenedParts();
  try {
    const { ctx } = await openMisContext(misConfigFromEnv({}, { dataDir }), parts, { demo: true });
    await initSchool(ctx, { laestab: "9382001", name: "Meadow Lane Primary School" });
    await setExchangeFolder(ctx, null, folder);
    for (let i = 1; i <= FILES; i++) {
      const doc = generateCtf({ from: "8231234", to: "9382001", pupils: 30, seed: i });
      const name = `8231234_CTF_9382001_${String(i).padStart(3, "0")}.XML`;
      await writeFile(join(folder, name), writeCtf(doc));
    }
    const cold: number[] = [];
    const warm: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      ctx.folderIndex = new FolderIndex();
      let t = performance.now();
      const listed = await listIncoming(ctx);
      cold.push(performance.now() - t);
      if (listed.files.length !== FILES) throw new Error(`listed ${listed.files.length} files`);
      t = performance.now();
      await listIncoming(ctx);
      warm.push(performance.now() - t);
    }
    const value = median(warm);
    const baseline = median(cold);
    log(`  ${FILES} files: warm ${value.toFixed(1)} ms, cold ${baseline.toFixed(1)} ms`);
    return [
      {
        name: "mis.import_page",
        value,
        unit: "ms",
        baseline: "every file read and parsed",
        baseline_value: baseline,
        ratio: value / baseline,
        goal: "well under 1: a listing reads only what changed",
      },
    ];
  } finally {
    await parts.closeAll();
    await rm(dataDir, { recursive: true, force: true });
    await rm(folder, { recursive: true, force: true });
  }
}

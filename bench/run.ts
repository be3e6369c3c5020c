/**
 * `npm run bench [-- NAME...] [-- --json]`: each benchmark measures its own baseline in the same
 * run and prints the ratio, so numbers from different machines can be compared.
 */
import { readCheck } from "./ctf/read-check.js";
import { hubBench } from "./hub/hub-bench.js";
import { peakBench } from "./hub/peak-bench.js";
import { uploadMemory } from "./hub/upload-memory.js";
import { lostQuality, lostSearch } from "./lost/lost-bench.js";
import { importBench } from "./mis/import-bench.js";
import { importMemory } from "./mis/import-memory.js";
import { importPageBench } from "./mis/import-page-bench.js";
import type { BenchOutcome } from "./result.js";

const BENCHMARKS: Record<string, (log: (line: string) => void) => Promise<BenchOutcome[]>> = {
  "ctf.read_check": readCheck,
  hub: hubBench,
  "hub.peak": peakBench,
  "hub.upload_memory": uploadMemory,
  "lost.quality": lostQuality,
  "lost.search": lostSearch,
  "mis.import": importBench,
  "mis.import_memory": importMemory,
  "mis.import_page": importPageBench,
};

const args = process.argv.slice(2);
const json = args.includes("--json");
const names = args.filter((a) => !a.startsWith("--"));
const unknown = names.filter((n) => !(n in BENCHMARKS));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark: ${unknown.join(", ")}; known: ${Object.keys(BENCHMARKS).join(", ")}\n`,
  );
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`${line}\n`);
for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
  const run = BENCHMARKS[name];
  if (run === undefined) continue;
  log(`== ${name}`);
  for (const r of await run(log)) {
    if ("error" in r) {
      // Reported, and the run's exit code says so; the other benchmarks still run.
      process.exitCode = 1;
      if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${r.name}: FAILED: ${r.error}\n`);
      continue;
    }
    if (json) {
      const { goal: _goal, ...line } = r;
      process.stdout.write(`${JSON.stringify(line)}\n`);
    } else {
      process.stdout.write(
        `${r.name}: ${r.value.toFixed(1)} ${r.unit} vs ${r.baseline} ${r.baseline_value.toFixed(1)} ${r.unit}: ratio ${r.ratio.toFixed(2)}${r.goal ? ` (goal: ${r.goal})` : ""}\n`,
      );
    }
  }
}

/**
 * mis.import: importing a 300-pupil CTF into a register of 2,000 pupils (match every pupil,
 * preview every merge at once, as the API's preview without a position does, and commit)
 * against reading and checking the same file, in the same run and the same process. A third of
 * the file's pupils are in the register already (by UPN), so a third merge and the rest are
 * added. Each round's import is undone (untimed) before the next; the ratio is the median
 * round's, after a few untimed rounds that warm both up.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { generateHeader, generatePupils } from "../../src/ctf/generator.js";
import type { Pupil } from "../../src/ctf/model.js";
import { readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { OpenedParts } from "../../src/platform/opened-parts.js";
import { misConfigFromEnv } from "../../src/school/config.js";
import type { MisPrincipal } from "../../src/school/context.js";
import { createDemoRegister } from "../../src/school/demo.js";
import { undoImport } from "../../src/school/import-undo.js";
import { commitImport, createImport, previewAll } from "../../src/school/imports.js";
import { initSchool } from "../../src/school/school.js";
import { openMisContext } from "../../src/school/service.js";
import { createMisUser } from "../../src/school/users.js";
import { freshPostgresUrl } from "../../test/helpers/db.js";
import type { BenchResult } from "../result.js";

/** Untimed rounds first: the first imports of a process run cold (JIT, the database's plans). */
const WARM_UP = 3;
const ROUNDS = 9;
const REGISTER = 2000;
const FILE = 300;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** On PostgreSQL (as the hub's benchmarks run), and on PGlite, a school side's default. */
export async function importBench(log: (line: string) => void): Promise<BenchResult[]> {
  const pg = await freshPostgresUrl(
    process.env.BENCH_DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
    "s2s_bench",
  );
  try {
    log("on PostgreSQL:");
    const onPostgres = await importOn(log, "mis.import", pg.url);
    log("on PGlite:");
    const onPglite = await importOn(log, "mis.import.pglite");
    return [onPostgres, onPglite];
  } finally {
    await pg.drop();
  }
}

async function importOn(
  log: (line: string) => void,
  name: string,
  databaseUrl?: string,
): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), "s2s-bench-import-"));
  const parts = new OpenedParts();
  try {
    const env: Record<string, string> = databaseUrl ? { MIS_DATABASE_URL: databaseUrl } : {};
    const { ctx } = await openMisContext(misConfigFromEnv(env, { dataDir: dir, port: 0 }), parts, {
      demo: true,
      clock: () => new Date("2026-12-01T10:00:00Z"),
    });
    await initSchool(ctx, { laestab: "9382001", name: "Meadow Lane Primary School" });
    const user = await createMisUser(ctx, null, {
      username: "office",
      email: "office@example.org",
      role: "manager",
    });
    const actor: MisPrincipal = { userId: user.id, username: "office", role: "manager" };
    log(`a register of ${REGISTER} pupils...`);
    await createDemoRegister(ctx, REGISTER, 7);
    const held = await ctx.db
      .selectFrom("pupils")
      .select("record")
      .limit(FILE / 3)
      .execute();
    // The other school's version of a third of them (same UPN), and new pupils for the rest.
    const options = { from: "8231234", to: "9382001", pupils: FILE - held.length, seed: 8 };
    const header = generateHeader(options);
    const pupils: Pupil[] = [
      ...held.map((h) => ({
        ...h.record,
        basicDetails: { ...h.record.basicDetails, preferredForename: "Sam" },
      })),
      ...generatePupils(options, header),
    ];
    const bytes = new TextEncoder().encode(writeCtf({ header, pupils }));
    const fileName = "8231234_CTF_9382001_001.XML";
    log(
      `a ${FILE}-pupil CTF of ${(bytes.length / 1024).toFixed(0)} KB, ${held.length} of them in the register`,
    );

    const ratios: number[] = [];
    const imports: number[] = [];
    const reads: number[] = [];
    for (let round = -WARM_UP; round < ROUNDS; round++) {
      const t0 = performance.now();
      const read = await readCtf(bytes, { fileName });
      const t1 = performance.now();
      if (!read.valid) throw new Error("the bench's CTF is not valid");
      const imp = await createImport(ctx, actor, { upload: { fileName, bytes } }, { again: true });
      const previews = await previewAll(ctx, actor, imp.id);
      if (previews.filter((p) => p.action === "merge").length < held.length)
        throw new Error("a merge was not previewed");
      const done = await commitImport(ctx, actor, imp.id, {
        admissionDate: "2026-12-01",
        decisions: imp.pupils.map((p) =>
          p.matches[0]?.certain
            ? { position: p.position, action: "merge" as const }
            : { position: p.position, action: "new" as const },
        ),
      });
      const t2 = performance.now();
      if (done.merged !== held.length) throw new Error(`merged ${done.merged}, not ${held.length}`);
      await undoImport(ctx, actor, imp.id);
      const times = `read and check ${(t1 - t0).toFixed(0)} ms, import ${(t2 - t1).toFixed(0)} ms`;
      if (round < 0) {
        log(`warm-up: ${times}`);
        continue;
      }
      reads.push(t1 - t0);
      imports.push(t2 - t1);
      ratios.push((t2 - t1) / (t1 - t0));
      log(`round ${round + 1}: ${times}`);
    }
    return {
      name,
      value: median(imports),
      unit: "ms",
      baseline: "read and check the same file",
      baseline_value: median(reads),
      ratio: median(ratios),
      goal: "no more than 3x",
    };
  } finally {
    await parts.closeAll();
    await rm(dir, { recursive: true, force: true });
  }
}

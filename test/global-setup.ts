/**
 * Once per run, before any test file: an empty PGlite cluster (with the extensions S2S loads),
 * dumped to a file that each test's new PGlite database starts from. Creating a cluster takes
 * seconds; loading the dump, under one. The tests read its path with `inject("pgliteTemplate")`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), "s2s-pglite-template-"));
  const pglite = await PGlite.create({ extensions: { pg_trgm, fuzzystrmatch } });
  // PGlite zeroes its shared buffers on every start, PostgreSQL's 128 MB by default: a third of
  // the time a test database takes to open. A test's database is small; 16 MB holds it.
  await pglite.exec("alter system set shared_buffers = '16MB'");
  const dump = await pglite.dumpDataDir("none");
  await pglite.close();
  const path = join(dir, "empty-cluster.tar");
  await writeFile(path, Buffer.from(await dump.arrayBuffer()));
  project.provide("pgliteTemplate", path);
  return () => rm(dir, { recursive: true, force: true });
}

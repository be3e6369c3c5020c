/**
 * Once per run, before any test file: an empty PGlite cluster (with the extensions S2S loads),
 * dumped to a file that each test's new PGlite database starts from; and the same cluster with
 * the hub's, then the school side's, migrations and job queue tables in it. Creating a cluster
 * takes seconds and migrating it about one more; loading a dump, under one. The tests read the
 * paths with `inject("pgliteTemplate")` (empty: for tests of migrations themselves),
 * `inject("hubPgliteTemplate")` and `inject("misPgliteTemplate")`. A migrated template is only a
 * head start: each app still runs its migrations on open, and finds them done.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import type { TestProject } from "vitest/node";
import { configFromEnv } from "../src/hub/config.js";
import { hubJobKinds } from "../src/hub/jobs.js";
import { HUB_MIGRATIONS } from "../src/hub/migrations/index.js";
import { openDatabase } from "../src/platform/db/database.js";
import { type MigrationSet, migrate } from "../src/platform/db/migrate.js";
import { type JobKind, startBoss } from "../src/platform/jobs/queue.js";
import { misJobKinds } from "../src/school/jobs.js";
import { MIS_MIGRATIONS } from "../src/school/migrations/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
    hubPgliteTemplate: string;
    misPgliteTemplate: string;
  }
}

const EXTENSIONS = { pg_trgm, fuzzystrmatch };

async function dumpTo(pglite: PGlite, path: string): Promise<void> {
  const dump = await pglite.dumpDataDir("none");
  await writeFile(path, Buffer.from(await dump.arrayBuffer()));
}

/** The empty cluster migrated for one app, its job queue's tables made, dumped to `path`. */
async function migratedTemplate(
  empty: string,
  dir: string,
  name: string,
  migrations: MigrationSet,
  // biome-ignore lint/suspicious/noExplicitAny: the registry holds kinds of any context
  kinds: readonly JobKind<any, any>[],
): Promise<string> {
  const pgliteDir = join(dir, name);
  const database = await openDatabase({ pgliteDir, pgliteTemplate: empty });
  await migrate(database.db, migrations);
  const quiet = { error: () => {}, info: () => {} };
  const { stop } = await startBoss(database, quiet, { supervise: false, schedule: false, kinds });
  await stop();
  await database.close();
  const pglite = await PGlite.create(pgliteDir, { extensions: EXTENSIONS });
  const path = join(dir, `${name}.tar`);
  await dumpTo(pglite, path);
  await pglite.close();
  return path;
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), "s2s-pglite-template-"));
  const pglite = await PGlite.create({ extensions: EXTENSIONS });
  // PGlite zeroes its shared buffers on every start, PostgreSQL's 128 MB by default: a third of
  // the time a test database takes to open. A test's database is small; 16 MB holds it.
  await pglite.exec("alter system set shared_buffers = '16MB'");
  const empty = join(dir, "empty-cluster.tar");
  await dumpTo(pglite, empty);
  await pglite.close();
  const hubKinds = hubJobKinds(configFromEnv({}, { dataDir: dir }));
  const [hub, mis] = await Promise.all([
    migratedTemplate(empty, dir, "hub", HUB_MIGRATIONS, hubKinds),
    migratedTemplate(empty, dir, "mis", MIS_MIGRATIONS, misJobKinds()),
  ]);
  project.provide("pgliteTemplate", empty);
  project.provide("hubPgliteTemplate", hub);
  project.provide("misPgliteTemplate", mis);
  return () => rm(dir, { recursive: true, force: true });
}

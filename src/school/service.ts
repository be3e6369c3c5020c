/**
 * The school side's composition root: opens its database (migrated) and keys, starts its jobs
 * and serves its web app. Everything else receives what it needs from here.
 */
import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { openDatabase } from "../platform/db/database.js";
import { migrate } from "../platform/db/migrate.js";
import { type Logger, startBoss, startTicks, startWorkers } from "../platform/jobs/queue.js";
import { OpenedParts } from "../platform/opened-parts.js";
import { loadMasterKey } from "../platform/store/master-key.js";
import { secretBox } from "../platform/store/secret-box.js";
import { type MisConfig, misPgliteDir } from "./config.js";
import type { MisContext } from "./context.js";
import { FolderIndex } from "./folder-index.js";
import { ImportFiles } from "./import-files.js";
import { HUB_CHORES, misJobKinds } from "./jobs.js";
import { MIS_MIGRATIONS } from "./migrations/index.js";
import type { MisDatabase, MisDB } from "./schema.js";
import { buildMisApp } from "./web/app.js";

export interface RunningMis {
  ctx: MisContext;
  database: MisDatabase;
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

/** Opens the school side's database and keys; `parts` closes them. */
export async function openMisContext(
  config: MisConfig,
  parts: OpenedParts,
  options: { demo?: boolean; clock?: () => Date } = {},
): Promise<{ ctx: MisContext; database: MisDatabase; formKey: Buffer }> {
  const masterKey = loadMasterKey({
    fromEnv: config.masterKey,
    keyFile: config.masterKeyFile,
    dataDir: config.dataDir,
    demo: options.demo === true,
  });
  const database = await openDatabase<MisDB>(
    config.databaseUrl
      ? { url: config.databaseUrl }
      : { pgliteDir: misPgliteDir(config), pgliteTemplate: config.pgliteTemplate },
  );
  parts.add("database", () => database.close());
  await migrate(database.db, MIS_MIGRATIONS);
  const ctx: MisContext = {
    db: database.db,
    config,
    clock: options.clock ?? (() => new Date()),
    secrets: secretBox(masterKey, "school side"),
    importFiles: new ImportFiles(),
    folderIndex: new FolderIndex(),
  };
  const formKey = createHmac("sha256", masterKey).update("s2s school side form tokens").digest();
  return { ctx, database, formKey };
}

export interface MisStartOptions {
  demo?: boolean;
  clock?: () => Date;
  logger?: boolean | object;
  /** How often files waiting for the hub are tried again and sent ones looked up; 60 s. */
  retryMs?: number;
  /** Where the jobs' failures are logged (standard error from the command line). */
  log?: Logger;
}

const quietLog: Logger = { error: () => {}, info: () => {} };

export async function startMis(
  config: MisConfig,
  options: MisStartOptions = {},
): Promise<RunningMis> {
  const parts = new OpenedParts();
  try {
    const { ctx, database, formKey } = await openMisContext(config, parts, options);
    const log = options.log ?? quietLog;
    const kinds = misJobKinds();
    const { stop: stopBoss, boss } = await startBoss(database, log, {
      supervise: true,
      schedule: false,
      kinds,
    });
    parts.add("job queue", stopBoss);
    const wake = await startWorkers(boss, ctx, log, kinds);
    const every = options.retryMs
      ? Object.fromEntries(HUB_CHORES.map((name) => [name, options.retryMs as number]))
      : {};
    parts.add("job timers", startTicks(boss, log, kinds, wake, every));
    const app = await buildMisApp(ctx, { logger: options.logger ?? false, formKey });
    parts.add("web server", () => app.close());
    const url = await app.listen({ port: config.port, host: config.host });
    // Port 0 (any free port): the address links are made with is known only now.
    if (new URL(config.publicUrl).port === "0") ctx.config = { ...config, publicUrl: url };
    return { ctx, database, app, url, stop: () => parts.closeAll() };
  } catch (e) {
    await parts.closeAll().catch(() => {});
    throw e;
  }
}

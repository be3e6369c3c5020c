/**
 * The school side's composition root: opens its database (migrated) and keys, and serves its web
 * app. Everything else receives what it needs from here.
 */
import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { openDatabase } from "../platform/db/database.js";
import { migrate } from "../platform/db/migrate.js";
import { OpenedParts } from "../platform/opened-parts.js";
import { loadMasterKey } from "../platform/store/master-key.js";
import { secretBox } from "../platform/store/secret-box.js";
import { type MisConfig, misPgliteDir } from "./config.js";
import type { MisContext } from "./context.js";
import { refreshFromHub, sendWaiting } from "./export.js";
import { ImportFiles } from "./import-files.js";
import { enrolDue } from "./intake.js";
import { MIS_MIGRATIONS } from "./migrations/index.js";
import type { MisDatabase, MisDB } from "./schema.js";
import { forgetEndedSignIns } from "./sessions.js";
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
    config.databaseUrl ? { url: config.databaseUrl } : { pgliteDir: misPgliteDir(config) },
  );
  parts.add("database", () => database.close());
  await migrate(database.db, MIS_MIGRATIONS);
  const ctx: MisContext = {
    db: database.db,
    config,
    clock: options.clock ?? (() => new Date()),
    secrets: secretBox(masterKey, "school side"),
    importFiles: new ImportFiles(),
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
}

export async function startMis(
  config: MisConfig,
  options: MisStartOptions = {},
): Promise<RunningMis> {
  const parts = new OpenedParts();
  try {
    const { ctx, database, formKey } = await openMisContext(config, parts, options);
    // The chores of a running school side, each on its own so that one failing (the hub down)
    // holds up no other: files that could not go when exported go once the hub answers, the
    // hub's word on sent files is fetched, ended sessions and old sign-in counts are forgotten,
    // and intake pupils whose day has come are put on roll.
    const chores = [
      () => sendWaiting(ctx),
      () => refreshFromHub(ctx),
      () => forgetEndedSignIns(ctx),
      () => enrolDue(ctx),
    ];
    let running: Promise<unknown> | undefined;
    const retry = setInterval(() => {
      running ??= (async () => {
        for (const chore of chores) await chore().catch(() => {});
      })().finally(() => {
        running = undefined;
      });
    }, options.retryMs ?? 60_000);
    parts.add("retries", async () => {
      clearInterval(retry);
      await running;
    });
    const app = await buildMisApp(ctx, { logger: options.logger ?? false, formKey });
    parts.add("web server", () => app.close());
    const url = await app.listen({ port: config.port, host: config.host });
    return { ctx, database, app, url, stop: () => parts.closeAll() };
  } catch (e) {
    await parts.closeAll().catch(() => {});
    throw e;
  }
}

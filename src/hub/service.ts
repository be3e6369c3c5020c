/**
 * The composition root: opens the database, store, job queue and mail, and starts the web and
 * worker roles this process is asked to run. Everything else receives what it needs from here.
 */
import { createHmac, randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type PgBoss from "pg-boss";
import { randomPassword } from "../platform/accounts/passwords.js";
import { openDatabase } from "../platform/db/database.js";
import { LOCK_KEYS } from "../platform/db/lock-keys.js";
import { migrate } from "../platform/db/migrate.js";
import { loggableError } from "../platform/errors.js";
import { type Logger, startBoss, startWorkers, type Wake } from "../platform/jobs/queue.js";
import { deliverDueMail } from "../platform/mail/outbox.js";
import { fileTransport, smtpTransport } from "../platform/mail/transport.js";
import { listenForMetrics } from "../platform/metrics/listener.js";
import { oneRunAtATime } from "../platform/one-run-at-a-time.js";
import { OpenedParts } from "../platform/opened-parts.js";
import type { BlobStore } from "../platform/store/blob-store.js";
import { EncryptedStore } from "../platform/store/encrypted-store.js";
import { FolderBlobStore } from "../platform/store/folder-store.js";
import { loadMasterKey } from "../platform/store/master-key.js";
import { S3BlobStore } from "../platform/store/s3-store.js";
import { secretBox } from "../platform/store/secret-box.js";
import { CHANGES_CHANNEL, createCaches } from "./caches.js";
import { filesDir, type HubConfig, outboxDir, pgliteDir } from "./config.js";
import type { HubContext } from "./context.js";
import { createDemoData, type DemoSignIn } from "./demo.js";
import { CHECK_NOTICE, CHECK_UPLOAD, hubJobKinds, jobQueueOn } from "./jobs.js";
import { HUB_SECRETS } from "./key-rotation.js";
import { createHubMetrics } from "./metrics.js";
import { HUB_MIGRATIONS } from "./migrations/index.js";
import { announceProcess } from "./processes.js";
import type { DB, HubDatabase } from "./schema.js";
import { createUser } from "./users.js";
import { buildApp } from "./web/app.js";

export type Role = "web" | "worker" | "all";

export interface StartOptions {
  role?: Role;
  demo?: boolean;
  clock?: () => Date;
  logger?: boolean | object;
  log?: Logger;
  /** How often the worker looks for due mail, in ms. */
  mailPollMs?: number;
  /**
   * Whether this process keeps the schedules (retention every ten minutes); tests that move a
   * clock by hand turn it off and run retention themselves.
   */
  schedules?: boolean;
}

export interface FirstRun {
  demo?: DemoSignIn[];
  admin?: { username: string; password: string };
}

export interface RunningHub {
  ctx: HubContext;
  database: HubDatabase;
  boss: PgBoss;
  app?: FastifyInstance;
  url?: string;
  firstRun: FirstRun;
  /** Where this process serves its metrics, when S2S_METRICS_PORT is set. */
  metricsUrl?: string;
  /** Delivers due mail now (tests and the CLI use it; the worker calls it on a timer). */
  deliverMail(): Promise<{ sent: number; failed: number }>;
  stop(): Promise<void>;
}

const quietLog: Logger = { error: () => {}, info: () => {} };

/** Opens the database (migrated), the store and the form key; `parts` will close them. */
export async function openContextParts(
  config: HubConfig,
  parts: OpenedParts,
  options: { demo?: boolean } = {},
) {
  // The key first: a process without one stops before it touches the database.
  const masterKey = loadMasterKey({
    fromEnv: config.masterKey,
    keyFile: config.masterKeyFile,
    dataDir: config.dataDir,
    demo: options.demo === true,
  });
  const database = await openDatabase<DB>(
    config.databaseUrl
      ? { url: config.databaseUrl }
      : { pgliteDir: pgliteDir(config), pgliteTemplate: config.pgliteTemplate },
  );
  parts.add("database", () => database.close());
  await migrate(database.db, HUB_MIGRATIONS);
  const blobs = blobStoreFor(config, parts);
  const store = new EncryptedStore(blobs, masterKey);
  // Form tokens are signed with a key of their own, derived so that every web process agrees.
  const formKey = createHmac("sha256", masterKey).update("s2s page form tokens").digest();
  const secrets = secretBox(masterKey, HUB_SECRETS);
  return { database, blobs, store, secrets, formKey, masterKey };
}

/** The configured store: the folder under the data folder, or a bucket. */
export function blobStoreFor(config: HubConfig, parts: OpenedParts): BlobStore {
  if (config.store.kind === "folder") return new FolderBlobStore(filesDir(config));
  const { kind: _, ...options } = config.store;
  const bucket = new S3BlobStore(options);
  parts.add("store", () => bucket.close());
  return bucket;
}

export async function startHub(config: HubConfig, options: StartOptions = {}): Promise<RunningHub> {
  const role = options.role ?? "all";
  const log = options.log ?? quietLog;
  const parts = new OpenedParts();
  try {
    const { database, blobs, store, secrets, formKey } = await openContextParts(config, parts, {
      demo: options.demo === true,
    });
    // Mail before the job queue, so that jobs finishing while the queue stops can still send.
    const mail = config.smtpUrl ? smtpTransport(config.smtpUrl) : fileTransport(outboxDir(config));
    parts.add("mail", () => mail.close());
    const kinds = hubJobKinds(config);
    const { boss, stop: stopBoss } = await startBoss(database, log, {
      supervise: role !== "web",
      schedule: role !== "web" && options.schedules !== false,
      kinds,
      maintenanceSeconds: config.checkLease.maintenanceSeconds,
    });
    parts.add("job queue", stopBoss);
    const jobs = jobQueueOn(boss, config.checkLease.baseSeconds);
    const clock = options.clock ?? (() => new Date());
    const deliverMail = oneRunAtATime(() =>
      deliverDueMail({ db: database.db, transport: mail, from: config.mailFrom, now: clock }),
    );
    const runsWorker = role !== "web";
    const processId = randomUUID();
    const ctx: HubContext = {
      processId,
      db: database.db,
      store,
      secrets,
      jobs,
      config,
      clock,
      mailQueued: runsWorker
        ? () =>
            void deliverMail().catch((err) =>
              log.error({ err: loggableError(err) }, "mail delivery failed"),
            )
        : undefined,
    };
    let wake: Wake | undefined;
    if (runsWorker) {
      wake = await startWorkers(boss, ctx, log, kinds);
      jobs.onWake(wake);
      // A store not reachable yet is /readyz's to say; the process starts and serves when it is.
      await blobs
        .sweepTemporary(new Date(clock().getTime() - 3600_000))
        .catch((err) => log.error({ err: loggableError(err) }, "could not sweep the store"));
      const poll = setInterval(() => ctx.mailQueued?.(), options.mailPollMs ?? 5000);
      parts.add("mail poll", () => clearInterval(poll));
    }
    // Several processes starting on one empty database: one sets it up, the others then find it.
    const firstRun = await database.exclusively(LOCK_KEYS.firstRun, () =>
      firstRunSetup(ctx, options.demo === true),
    );
    let app: FastifyInstance | undefined;
    let url: string | undefined;
    const announced = await announceProcess(database.db, processId, role, clock);
    parts.add("process heartbeat", () => announced.stop());
    // Counted whatever the role: a worker's checks, a web process's requests and sign-ins.
    let metricsUrl: string | undefined;
    if (config.metricsPort !== undefined) {
      const metrics = createHubMetrics(database.db);
      ctx.metrics = metrics;
      const listener = await listenForMetrics(
        metrics.registry,
        config.metricsPort,
        config.metricsHost,
      );
      parts.add("metrics", () => listener.close());
      metricsUrl = listener.url;
    }
    const caches = role !== "worker" ? createCaches() : undefined;
    // One connection hears every change notice: the caches drop what changed, and the workers
    // wake for a check queued by another process (migration 0031; one this process queued woke
    // them at its commit, which is sooner than its notice under load). A check whose notice went
    // unheard (the connection down) waits for the workers' next poll, half a second.
    const listening = await database.listen(CHANGES_CHANNEL, {
      notice: (payload) => {
        caches?.notice(payload);
        if (payload === CHECK_NOTICE) wake?.(CHECK_UPLOAD);
      },
      live: (live) => caches?.live(live),
    });
    parts.add("change notices", () => listening.close());
    if (caches) {
      ctx.caches = caches;
      const web = await buildApp(ctx, { logger: options.logger ?? false, formKey });
      parts.add("web server", () => web.close());
      url = await web.listen({ port: config.port, host: config.host });
      app = web;
    }
    return {
      ctx,
      database,
      boss,
      ...(app ? { app } : {}),
      ...(url ? { url } : {}),
      ...(metricsUrl ? { metricsUrl } : {}),
      firstRun,
      deliverMail,
      stop: () => parts.closeAll(),
    };
  } catch (e) {
    await parts.closeAll().catch(() => {});
    throw e;
  }
}

/** On a first run: demo data when asked, else one administrator with a password shown once. */
async function firstRunSetup(ctx: HubContext, demo: boolean): Promise<FirstRun> {
  const anyone = await ctx.db.selectFrom("users").select("id").limit(1).executeTakeFirst();
  if (anyone) return {};
  if (demo) return { demo: await createDemoData(ctx) };
  const password = randomPassword();
  await createUser(ctx, null, {
    username: "admin",
    email: "admin@s2s.invalid",
    role: "admin",
    password,
    // Shown in the server's output: the administrator replaces it at their first sign-in.
    changeAtSignIn: true,
  });
  return { admin: { username: "admin", password } };
}

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { pino } from "pino";
import { configFromEnv, filesDir, type HubConfig, s3OptionsFrom } from "../hub/config.js";
import type { HubContext, JobQueue } from "../hub/context.js";
import { importGias } from "../hub/establishments.js";
import { rotateMasterKey } from "../hub/key-rotation.js";
import { openContextParts, type Role, startHub } from "../hub/service.js";
import { createToken } from "../hub/tokens.js";
import { createUser } from "../hub/users.js";
import { ConfigError } from "../platform/config.js";
import { DatabaseLockedError } from "../platform/db/database.js";
import { LOCK_KEYS } from "../platform/db/lock-keys.js";
import { NewerDatabaseError } from "../platform/db/migrate.js";
import { OpenedParts } from "../platform/opened-parts.js";
import type { BlobStore } from "../platform/store/blob-store.js";
import { FolderBlobStore } from "../platform/store/folder-store.js";
import { loadMasterKey, MasterKeyMissingError } from "../platform/store/master-key.js";
import { S3BlobStore, type S3StoreOptions } from "../platform/store/s3-store.js";
import { copyStore } from "../platform/store/store-copy.js";
import { AUDIT_VERIFY_HELP, sealAndVerify, verdictInWords } from "./audit-verify.js";
import { CliError, type CliIo } from "./io.js";
import { plainly, printSignIns, settingsFrom, stderrLog } from "./startup.js";
import { readStdin } from "./stdin.js";

// Admin commands change the directory and accounts only; they never queue background work.
const noJobs: JobQueue = {
  checkUpload: () => Promise.reject(new Error("the admin command line does not queue jobs")),
  wake: () => {},
};

const configFrom = (opts: { data?: string; port?: number }): HubConfig =>
  settingsFrom(opts, (overrides) => configFromEnv(process.env, overrides));

async function withContext<T>(
  opts: { data?: string },
  fn: (ctx: HubContext, opened: { files: BlobStore; masterKey: Buffer }) => Promise<T>,
): Promise<T> {
  const config = configFrom(opts);
  const parts = new OpenedParts();
  try {
    const { database, store, secrets, blobs, masterKey } = await openContextParts(config, parts);
    return await fn(
      { db: database.db, store, secrets, jobs: noJobs, config, clock: () => new Date() },
      { files: blobs, masterKey },
    );
  } catch (e) {
    return plainly(e);
  } finally {
    await parts.closeAll();
  }
}

const filesIn = (n: number) => `${n} ${n === 1 ? "file" : "files"}`;

export function hubCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const hub = program.command("hub").description("the national transfer service");
  hub
    .command("serve")
    .description("run the hub (web pages, API and background work)")
    .option("--port <port>", "port to listen on (PORT, default 3000)", (v) => Number(v))
    .option("--data <dir>", "data folder (S2S_DATA_DIR, default ./data)")
    .option("--demo", "on first run, create demo schools, LAs and users")
    .option("--role <role>", "web, worker or all", "all")
    .option(
      "--metrics-port <port>",
      "serve Prometheus metrics at /metrics on this port (S2S_METRICS_PORT; on S2S_METRICS_HOST, default 127.0.0.1), never the public one",
      (v) => Number(v),
    )
    .action(
      async (opts: {
        port?: number;
        data?: string;
        demo?: boolean;
        role: string;
        metricsPort?: number;
      }) => {
        if (!["web", "worker", "all"].includes(opts.role))
          throw new CliError("--role is web, worker or all");
        if (
          opts.metricsPort !== undefined &&
          !(
            Number.isInteger(opts.metricsPort) &&
            opts.metricsPort >= 0 &&
            opts.metricsPort <= 65535
          )
        )
          throw new CliError("--metrics-port must be a whole number from 0 to 65535");
        const config = configFrom(opts);
        if (opts.metricsPort !== undefined) config.metricsPort = opts.metricsPort;
        if (
          config.metricsPort !== undefined &&
          config.metricsPort !== 0 &&
          config.metricsPort === config.port
        )
          throw new CliError("--metrics-port must not be the service's own port");
        let running: Awaited<ReturnType<typeof startHub>>;
        try {
          running = await startHub(config, {
            role: opts.role as Role,
            demo: opts.demo === true,
            logger: {
              level: process.env.S2S_LOG_LEVEL ?? "info",
              // Buffered: a write to stdout per request cost more than most requests.
              stream: pino.destination({ dest: 1, sync: false, minLength: 4096 }),
            },
            log: stderrLog(io),
          });
        } catch (e) {
          if (
            e instanceof DatabaseLockedError ||
            e instanceof NewerDatabaseError ||
            e instanceof MasterKeyMissingError
          )
            throw new CliError(e.message);
          throw e;
        }
        const db = config.databaseUrl ? "PostgreSQL" : `PGlite in ${config.dataDir}`;
        io.out(`S2S hub (${opts.role}) on ${running.url ?? "no web role"} using ${db}\n`);
        io.out(`Mail: ${config.smtpUrl ? "SMTP" : `files in ${config.dataDir}/outbox`}\n`);
        if (running.metricsUrl) io.out(`Metrics: ${running.metricsUrl}\n`);
        if (running.firstRun.admin) {
          io.out(
            `\nFirst run: administrator "${running.firstRun.admin.username}", password ${running.firstRun.admin.password}\n`,
          );
          io.out(
            "This password is shown once and opens the first sign-in only: you will then choose your own.\n",
          );
        }
        if (running.firstRun.demo) {
          io.out("\nDemo sign-ins (demo data only):\n");
          printSignIns(io, running.firstRun.demo);
        }
        if (running.url) io.out(`\nAPI documentation: ${running.url}/api/docs\n`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        io.out("stopping...\n");
        await running.stop();
      },
    );

  const admin = hub
    .command("admin")
    .description("directory, users and tokens (stop a PGlite hub first, or use its API)");
  admin
    .command("establishments")
    .description("the directory of establishments")
    .command("import")
    .description(
      "import or update from the GIAS all-establishment CSV, or from its links CSV (which school took over a closed one)",
    )
    .argument("<file>", "the GIAS CSV (edubasealldata or links_edubasealldata)")
    .option("--data <dir>", "data folder")
    .action(async (file: string, opts: { data?: string }) => {
      const bytes = await readFile(file).catch(() => {
        throw new CliError(`cannot read ${file}`);
      });
      const report = await withContext(opts, (ctx) => importGias(ctx, null, bytes));
      io.out(
        `${report.added} added, ${report.updated} updated, ${report.skipped.length} skipped\n`,
      );
      for (const s of report.skipped.slice(0, 50)) io.out(`  line ${s.line}: ${s.reason}\n`);
      if (report.skipped.length > 50) io.out(`  ... and ${report.skipped.length - 50} more\n`);
    });

  admin
    .command("users")
    .description("user accounts")
    .command("create")
    .description(
      "create a user; prints a generated password unless --password-stdin; the user replaces it at first sign-in",
    )
    .requiredOption("--username <u>", "username")
    .requiredOption("--role <role>", "school, la or admin")
    .requiredOption("--email <e>", "e-mail address")
    .option("--establishment <laestab>", "the school (role school)")
    .option("--la <code>", "the local authority (role la)")
    .option("--password-stdin", "read the password from standard input")
    .option(
      "--totp-secret <base32>",
      "provision the second factor with this authenticator key (base32), for accounts that " +
        "cannot set one up at first sign-in",
    )
    .option(
      "--no-change-at-sign-in",
      "let the user keep this password (by default they must choose their own at first sign-in, " +
        "since you have seen it)",
    )
    .option("--data <dir>", "data folder")
    .action(
      async (opts: {
        changeAtSignIn?: boolean;
        username: string;
        role: string;
        email: string;
        establishment?: string;
        la?: string;
        passwordStdin?: boolean;
        totpSecret?: string;
        data?: string;
      }) => {
        if (!["school", "la", "admin"].includes(opts.role))
          throw new CliError("--role is school, la or admin");
        const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, "") : undefined;
        const { user, password: used } = await withContext(opts, (ctx) =>
          createUser(ctx, null, {
            username: opts.username,
            email: opts.email,
            role: opts.role as "school" | "la" | "admin",
            ...(opts.establishment ? { establishment: opts.establishment } : {}),
            ...(opts.la ? { laCode: opts.la } : {}),
            ...(password !== undefined ? { password } : {}),
            ...(opts.totpSecret ? { totpSecret: opts.totpSecret } : {}),
            changeAtSignIn: opts.changeAtSignIn !== false,
          }),
        );
        io.out(
          `created ${user.role} user ${user.username}${opts.totpSecret ? " with a second factor" : ""}\n`,
        );
        if (password === undefined) io.out(`password: ${used}\n`);
        if (opts.changeAtSignIn !== false)
          io.out("They choose their own password when they first sign in.\n");
      },
    );

  admin
    .command("audit")
    .description("the audit log")
    .command("verify")
    .description(AUDIT_VERIFY_HELP)
    .option("--data <dir>", "data folder")
    .action(async (opts: { data?: string }) => {
      const verdict = await withContext(opts, (ctx) => sealAndVerify(ctx.db, LOCK_KEYS.auditSeal));
      const { ok, text } = verdictInWords(verdict);
      io.out(text);
      if (!ok) setExit(1);
    });

  admin
    .command("tokens")
    .description("API tokens")
    .command("create")
    .description("issue an API token; prints the token alone on standard output")
    .requiredOption("--username <u>", "whose token")
    .option(
      "--days <n>",
      "stop working after n days (needed when an administrator set the user's token life; " +
        "by default it works until revoked)",
    )
    .option("--data <dir>", "data folder")
    .action(async (opts: { username: string; days?: string; data?: string }) => {
      const days = opts.days === undefined ? undefined : Number(opts.days);
      const { token } = await withContext(opts, (ctx) =>
        createToken(ctx, null, opts.username, days === undefined ? {} : { expiresInDays: days }),
      );
      io.out(`${token}\n`);
    });

  admin
    .command("store")
    .description("where the hub keeps its files")
    .command("migrate")
    .description(
      "copy the data folder's files into the S3 bucket that S2S_S3_BUCKET and the other S2S_S3_* " +
        "settings name, as stored (still encrypted), each checked by its SHA-256 read back. " +
        "Run again, it copies only what is missing: run it while the hub runs, then stop the hub, " +
        "run it once more, and start the hub with S2S_STORE=s3",
    )
    .requiredOption("--to <store>", "the store to copy into: s3")
    .option("--data <dir>", "data folder")
    .action(async (opts: { to: string; data?: string }) => {
      if (opts.to !== "s3") throw new CliError("--to takes s3: the only store to move to");
      const config = configFrom(opts);
      let options: S3StoreOptions;
      try {
        options = s3OptionsFrom(process.env);
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(`configuration: ${e.message}`);
        throw e;
      }
      const bucket = new S3BlobStore(options);
      try {
        await bucket.ready().catch((e: Error) => {
          throw new CliError(`cannot reach bucket ${options.bucket}: ${e.name}`, 1);
        });
        const report = await copyStore(new FolderBlobStore(filesDir(config)), bucket, (n, of) => {
          if (n % 100 === 0 || n === of) io.err(`${n} of ${of} files\n`);
        }).catch((e: Error) => {
          throw new CliError(`the copy stopped: ${e.message}. Run it again to go on.`, 1);
        });
        io.out(
          `copied ${filesIn(report.copied)} into ${options.bucket}; ${report.alreadyThere} ${report.alreadyThere === 1 ? "was" : "were"} there already` +
            `${report.goneMeanwhile ? `; ${filesIn(report.goneMeanwhile)} deleted by the hub meanwhile` : ""}.\n` +
            "Once a run copies nothing new with the hub stopped, start it with S2S_STORE=s3.\n",
        );
      } finally {
        bucket.close();
      }
    });

  admin
    .command("keys")
    .description("the master key")
    .command("rotate")
    .description(
      "re-wrap every stored file's key and re-seal every stored secret under a new master key. " +
        "Stop every hub process first; if it stops part-way, run it again with the same keys",
    )
    .requiredOption(
      "--new-key-file <path>",
      "the new key (made if missing), outside the data folder; start the hub with it after",
    )
    .option("--data <dir>", "data folder")
    .action(async (opts: { newKeyFile: string; data?: string }) => {
      const report = await withContext(opts, async (ctx, opened) => {
        try {
          const to = loadMasterKey({
            keyFile: opts.newKeyFile,
            dataDir: ctx.config.dataDir,
            demo: false,
          });
          return await rotateMasterKey({
            db: ctx.db,
            files: opened.files,
            from: opened.masterKey,
            to,
          });
        } catch (e) {
          // A damaged file, a key in the wrong place, the same key twice: said plainly.
          throw new CliError(`key rotation stopped: ${(e as Error).message}`, 1);
        }
      });
      io.out(
        `re-wrapped the keys of ${report.files} stored files (${report.filesAlreadyDone} were already under the new key) and re-sealed ${report.secrets} second-factor keys.\n` +
          `Now start the hub with S2S_MASTER_KEY_FILE=${opts.newKeyFile} (or S2S_MASTER_KEY set to its contents). ` +
          "Keep the old key until the hub has read a file under the new one, then destroy every copy of it.\n",
      );
    });
}

/** `s2s mis`: the school side, run by a school (or its MIS supplier) for one school. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { pino } from "pino";
import { LOCK_KEYS } from "../platform/db/lock-keys.js";
import { OpenedParts } from "../platform/opened-parts.js";
import { type MisConfig, misConfigFromEnv } from "../school/config.js";
import type { MisContext } from "../school/context.js";
import { createDemoRegister } from "../school/demo.js";
import { setExchangeFolder } from "../school/exchange-folder.js";
import { initSchool } from "../school/school.js";
import { openMisContext, startMis } from "../school/service.js";
import { createMisToken } from "../school/tokens.js";
import { createMisUser } from "../school/users.js";
import { AUDIT_VERIFY_HELP, sealAndVerify, verdictInWords } from "./audit-verify.js";
import { CliError, type CliIo } from "./io.js";
import { plainly, settingsFrom, stderrLog } from "./startup.js";
import { readStdin } from "./stdin.js";

const configFrom = (opts: { data?: string; port?: number }): MisConfig =>
  settingsFrom(opts, (overrides) => misConfigFromEnv(process.env, overrides));

async function withMis<T>(
  opts: { data?: string },
  fn: (ctx: MisContext) => Promise<T>,
  demo = false,
): Promise<T> {
  const parts = new OpenedParts();
  try {
    const { ctx } = await openMisContext(configFrom(opts), parts, { demo });
    return await fn(ctx);
  } catch (e) {
    return plainly(e);
  } finally {
    await parts.closeAll();
  }
}

export function misCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const mis = program
    .command("mis")
    .alias("school")
    .description("the school side: a school's pupil register, leaving and export");

  mis
    .command("init")
    .description("set up the data folder for one school (again: update its name or hub)")
    .requiredOption("--data <dir>", "data folder")
    .requiredOption("--laestab <LLLEEEE>", "the school's LA and establishment numbers")
    .requiredOption("--name <name>", "the school's name")
    .option("--hub <url>", "the hub's address")
    .option("--hub-token <token>", "an API token for the hub, made by a user of this school")
    .option(
      "--exchange-folder <dir>",
      "the data exchange folder: where exports kept back from the hub are written",
    )
    .action(
      async (opts: {
        data: string;
        laestab: string;
        name: string;
        hub?: string;
        hubToken?: string;
        exchangeFolder?: string;
      }) => {
        await withMis(opts, async (ctx) => {
          await initSchool(ctx, {
            laestab: opts.laestab.trim(),
            name: opts.name,
            ...(opts.hub ? { hubUrl: opts.hub } : {}),
            ...(opts.hubToken ? { hubToken: opts.hubToken } : {}),
          });
          if (opts.exchangeFolder !== undefined)
            await setExchangeFolder(ctx, null, resolve(opts.exchangeFolder));
        });
        io.out(`set up ${opts.name} (${opts.laestab}) in ${opts.data}\n`);
      },
    );

  mis
    .command("users")
    .description("the school side's users")
    .command("create")
    .description("add a user: a manager sets up the school and its users, staff keep the register")
    .requiredOption("--data <dir>", "data folder")
    .requiredOption("--username <u>", "their username")
    .requiredOption("--role <role>", "manager or staff")
    .requiredOption("--email <e>", "their e-mail address")
    .option("--password-stdin", "read the password from standard input (else one is made)")
    .option(
      "--totp-secret <base32>",
      "provision their authenticator key (managers must sign in with a second factor; without " +
        "this they set one up at their first sign-in)",
    )
    .option(
      "--no-change-at-sign-in",
      "let them keep this password (by default they choose their own at first sign-in)",
    )
    .action(
      async (opts: {
        data: string;
        username: string;
        role: string;
        email: string;
        passwordStdin?: boolean;
        totpSecret?: string;
        changeAtSignIn: boolean;
      }) => {
        if (opts.role !== "manager" && opts.role !== "staff")
          throw new CliError("--role is manager or staff");
        const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, "") : undefined;
        const made = await withMis(opts, (ctx) =>
          createMisUser(ctx, null, {
            username: opts.username,
            email: opts.email,
            role: opts.role as "manager" | "staff",
            ...(password === undefined ? {} : { password }),
            ...(opts.totpSecret ? { totpSecret: opts.totpSecret } : {}),
            changeAtSignIn: opts.changeAtSignIn,
          }),
        );
        io.out(`created ${opts.role} ${opts.username}\n`);
        if (made.password) io.out(`password: ${made.password}\n`);
      },
    );

  mis
    .command("audit")
    .description("the school side's audit log")
    .command("verify")
    .description(AUDIT_VERIFY_HELP)
    .requiredOption("--data <dir>", "data folder")
    .action(async (opts: { data: string }) => {
      const verdict = await withMis(opts, (ctx) => sealAndVerify(ctx.db, LOCK_KEYS.misAuditSeal));
      const { ok, text } = verdictInWords(verdict);
      io.out(text);
      if (!ok) setExit(1);
    });

  mis
    .command("tokens")
    .description("API tokens")
    .command("create")
    .description("make an API token for a user; prints the token alone")
    .requiredOption("--data <dir>", "data folder")
    .requiredOption("--username <u>", "whose token")
    .option(
      "--days <n>",
      "stop working after n days (needed when a manager set the user's token life; by default " +
        "it works until revoked)",
    )
    .action(async (opts: { data: string; username: string; days?: string }) => {
      const input = opts.days === undefined ? {} : { expiresInDays: Number(opts.days) };
      io.out(`${await withMis(opts, (ctx) => createMisToken(ctx, null, opts.username, input))}\n`);
    });

  mis
    .command("demo")
    .description("fill the register with generated pupils (never real people) across the years")
    .requiredOption("--data <dir>", "data folder (set up with s2s mis init first)")
    .requiredOption("--pupils <n>", "how many", (v) => Number(v))
    .option("--seed <s>", "the same seed gives the same pupils", (v) => Number(v), 1)
    .action(async (opts: { data: string; pupils: number; seed: number }) => {
      if (!Number.isInteger(opts.pupils) || opts.pupils < 1 || opts.pupils > 10_000)
        throw new CliError("--pupils must be a whole number from 1 to 10000");
      const n = await withMis(opts, (ctx) => createDemoRegister(ctx, opts.pupils, opts.seed), true);
      io.out(`added ${n} generated pupils, on roll\n`);
    });

  mis
    .command("serve")
    .description("run the school side's web app and API")
    .option("--data <dir>", "data folder (S2S_MIS_DATA_DIR, default ./mis-data)")
    .option("--port <port>", "port to listen on (MIS_PORT, default 3100)", (v) => Number(v))
    .option("--demo", "allow a demo folder whose key sits beside its data")
    .action(async (opts: { data?: string; port?: number; demo?: boolean }) => {
      const config = configFrom(opts);
      const running = await startMis(config, {
        demo: opts.demo === true,
        log: stderrLog(io),
        logger: {
          level: process.env.S2S_LOG_LEVEL ?? "info",
          stream: pino.destination({ dest: 1, sync: false, minLength: 4096 }),
        },
      }).catch(plainly);
      const db = config.databaseUrl ? "PostgreSQL" : `PGlite in ${config.dataDir}`;
      io.out(`S2S school side on ${running.url} using ${db}\n`);
      io.out(`API documentation: ${running.url}/api/docs\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      io.out("stopping...\n");
      await running.stop();
    });
}

/**
 * `s2s sync`: the data exchange folder agent. Settings come from the command line, else the
 * environment (S2S_SYNC_HUB, S2S_SYNC_TOKEN, S2S_SYNC_FOLDER), else a small JSON file
 * (`--config`); the token is best kept in a file (`--token-file`) or the environment, never on
 * a command line in production, where other users of the machine can read it.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { SyncSettings } from "../agent/agent.js";
import { runAgent, syncStatus } from "../agent/service.js";
import { hubAddressProblem } from "../client/hub-address.js";
import { CliError, type CliIo } from "./io.js";

interface SyncOptions {
  hub?: string;
  token?: string;
  tokenFile?: string;
  folder?: string;
  inbox?: string;
  once?: boolean;
  interval?: string;
  settle?: string;
  keepDays?: string;
  groupRead?: boolean;
  config?: string;
}

async function settingsOf(o: SyncOptions): Promise<{ s: SyncSettings; interval: number }> {
  const file = o.config
    ? (JSON.parse(
        await readFile(o.config, "utf8").catch(() => {
          throw new CliError(`cannot read the config file ${o.config}`);
        }),
      ) as Partial<Record<"hub" | "tokenFile" | "folder" | "inbox" | "interval", string>>)
    : {};
  const hub = o.hub ?? process.env.S2S_SYNC_HUB ?? file.hub;
  const tokenFile = o.tokenFile ?? file.tokenFile;
  const token =
    o.token ??
    process.env.S2S_SYNC_TOKEN ??
    (tokenFile
      ? (
          await readFile(tokenFile, "utf8").catch(() => {
            throw new CliError(`cannot read the token file ${tokenFile}`);
          })
        ).trim()
      : undefined);
  const folder = o.folder ?? process.env.S2S_SYNC_FOLDER ?? file.folder;
  if (!hub) throw new CliError("give the hub's address: --hub URL (or S2S_SYNC_HUB)");
  const wrong = hubAddressProblem(hub);
  if (wrong) throw new CliError(wrong);
  if (!token)
    throw new CliError(
      "give a token: --token-file PATH or S2S_SYNC_TOKEN (--token TOKEN only for a trial)",
    );
  if (!folder) throw new CliError("give the data exchange folder: --folder DIR");
  const interval = Number(o.interval ?? file.interval ?? 60);
  if (!Number.isFinite(interval) || interval < 5)
    throw new CliError("--interval is a number of seconds, at least 5");
  const keepDays = Number(o.keepDays ?? 60);
  if (!Number.isInteger(keepDays) || keepDays < 1)
    throw new CliError("--keep-days is a whole number of days, at least 1");
  const settle = Number(o.settle ?? 2);
  if (!Number.isFinite(settle) || settle < 0) throw new CliError("--settle is seconds, 0 or more");
  return {
    s: {
      hub,
      token,
      folder: resolve(folder),
      inbox: resolve(o.inbox ?? file.inbox ?? folder),
      settleMs: settle * 1000,
      verdictWaitMs: 60_000,
      fileMode: o.groupRead ? 0o640 : 0o600,
      keepDays,
      clock: () => new Date(),
    },
    interval,
  };
}

export function syncCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const sync = program
    .command("sync")
    .description(
      "send this school's CTFs from a data exchange folder to the hub, and save files waiting for the school into it",
    )
    .option("--hub <url>", "the hub's address (S2S_SYNC_HUB)")
    .option("--token-file <path>", "a file holding the school's API token")
    .option(
      "--token <token>",
      "the token itself (S2S_SYNC_TOKEN; a command line is seen by others)",
    )
    .option("--folder <dir>", "the MIS's data exchange folder (S2S_SYNC_FOLDER)")
    .option("--inbox <dir>", "where received files go (default: the folder)")
    .option("--once", "one run, then exit (for a scheduled task); exit codes below")
    .option("--interval <seconds>", "seconds between runs as a service", "60")
    .option("--settle <seconds>", "a file unchanged this long is complete", "2")
    .option("--keep-days <days>", "days a sent file's copy stays in sent/", "60")
    .option(
      "--group-read",
      "let the folder's group read the files saved (0640; else only the agent's account, 0600)",
    )
    .option("--config <file>", 'a JSON file: {"hub","tokenFile","folder","inbox","interval"}')
    .addHelpText(
      "after",
      "\nExit codes: 0 done, 1 some files refused (see failed/), 2 usage, 3 token refused,\n4 hub unreachable (--once), 5 another agent has the folder, 6 folder or disk problem.\n",
    )
    .action(async (o: SyncOptions) => {
      const { s, interval } = await settingsOf(o);
      const stop = new Promise<void>((resolveStop) => {
        process.once("SIGTERM", () => resolveStop());
        process.once("SIGINT", () => resolveStop());
      });
      const code = await runAgent(s, {
        once: o.once === true,
        intervalSeconds: interval,
        say: (line) => io.out(`${new Date().toISOString().slice(0, 19)}  ${line}\n`),
        stopped: stop,
      });
      setExit(code);
    });

  sync
    .command("status")
    .description("the last run, files waiting to be sent, and the last error")
    .option("--folder <dir>", "the data exchange folder (S2S_SYNC_FOLDER)")
    .action(async (o: { folder?: string }, command: Command) => {
      // `--folder` may be read by `sync` itself, before the subcommand's name.
      const folder =
        o.folder ??
        (command.parent?.opts() as SyncOptions | undefined)?.folder ??
        process.env.S2S_SYNC_FOLDER;
      if (!folder) throw new CliError("give the data exchange folder: --folder DIR");
      io.out(await syncStatus(resolve(folder)));
    });
}

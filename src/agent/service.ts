/**
 * Running the agent: once (for a scheduler), or every `interval` seconds as a service. One agent
 * a folder. A hub that cannot be reached is said once and tried again, less often the longer it
 * stays away; a refused token stops the agent, since nothing will work until a person acts.
 */
import { lstat, stat } from "node:fs/promises";
import { join } from "node:path";
import { HubUnreachableError, isRetryable } from "../client/hub-client.js";
import {
  candidates,
  type RunReport,
  runOnce,
  type SyncSettings,
  stagedFiles,
  TokenRefused,
} from "./agent.js";
import { FolderTaken, lockFolder, logLine, readState } from "./state.js";

/** Exit codes, for schedulers: documented in the README. */
export const EXIT = {
  ok: 0,
  someFailed: 1,
  usage: 2,
  tokenRefused: 3,
  hubUnreachable: 4,
  folderTaken: 5,
  folderProblem: 6,
} as const;

export interface AgentOptions {
  once: boolean;
  intervalSeconds: number;
  say: (line: string) => void;
  /** Resolves when a service should stop (a signal). */
  stopped?: Promise<void>;
}

function describe(r: RunReport): string {
  return `${r.sent.length} sent, ${r.failed.length} failed, ${r.received.length} received, ${r.waiting.length} waiting`;
}

export async function runAgent(s: SyncSettings, o: AgentOptions): Promise<number> {
  let release: () => Promise<void>;
  try {
    // A mistyped folder is refused, never made: the MIS would not be looking there.
    for (const dir of [s.folder, s.inbox])
      if (!(await stat(dir).catch(() => undefined))?.isDirectory())
        throw Object.assign(new Error(`${dir} is not a folder`), { code: "ENOENT" });
    // Pupils' files are filed only inside the folder, never through a link to somewhere else.
    for (const dir of ["sent", "failed", ".s2s-sync"])
      if ((await lstat(join(s.folder, dir)).catch(() => undefined))?.isSymbolicLink())
        throw new Error(
          `${join(s.folder, dir)} is a link to another place; the agent files pupils' files only in a real folder there (remove the link)`,
        );
    release = await lockFolder(s.folder);
  } catch (e) {
    if (e instanceof FolderTaken) {
      o.say(e.message);
      return EXIT.folderTaken;
    }
    return folderProblem(e, o);
  }
  try {
    let away = 0;
    for (;;) {
      try {
        const report = await runOnce(s);
        if (away > 0) {
          await logLine(s.folder, "the hub answers again", s.clock());
          o.say("the hub answers again");
        }
        away = 0;
        o.say(describe(report));
        if (o.once) return report.failed.length > 0 ? EXIT.someFailed : EXIT.ok;
      } catch (e) {
        if (e instanceof TokenRefused) {
          await logLine(s.folder, `stopped: ${e.message}`, s.clock()).catch(() => {});
          o.say(e.message);
          return EXIT.tokenRefused;
        }
        if (isRetryable(e)) {
          if (away === 0) {
            const why =
              e instanceof HubUnreachableError
                ? `the hub cannot be reached (${e.message})`
                : `the hub cannot take files just now (${(e as Error).message})`;
            const line = `${why}; files wait here and go when it answers`;
            await logLine(s.folder, line, s.clock()).catch(() => {});
            o.say(line);
          }
          away++;
          if (o.once) return EXIT.hubUnreachable;
        } else if (isFolderError(e)) return folderProblem(e, o);
        else throw e;
      }
      // Away from the hub, wait longer each time, up to a quarter of an hour.
      const wait = Math.min(o.intervalSeconds * 2 ** Math.min(away, 10), away ? 900 : Infinity);
      const timer = new Promise<"tick">((r) => setTimeout(() => r("tick"), wait * 1000));
      if ((await Promise.race([timer, o.stopped?.then(() => "stop" as const)])) === "stop")
        return EXIT.ok;
    }
  } finally {
    await release();
  }
}

function isFolderError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOSPC" || code === "EACCES" || code === "ENOENT" || code === "EROFS";
}

function folderProblem(e: unknown, o: AgentOptions): number {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === "ENOSPC"
      ? "the disk is full"
      : code === "EACCES" || code === "EROFS"
        ? "this agent may not write there"
        : code === "ENOENT"
          ? "the folder does not exist"
          : (e as Error).message;
  o.say(`cannot work on the folder: ${why} (${(e as Error).message})`);
  return EXIT.folderProblem;
}

/** `s2s sync status`: the last run, the files waiting, and the last error, from the folder. */
export async function syncStatus(folder: string): Promise<string> {
  const state = await readState(folder);
  const inFolder = state.school ? await candidates(folder, state.school).catch(() => []) : [];
  const waiting = [...(await stagedFiles(folder).catch(() => [])), ...inFolder];
  const lines = [
    state.lastRun
      ? `last run: ${state.lastRun.at} (${state.lastRun.sent} sent, ${state.lastRun.failed} failed, ${state.lastRun.received} received)`
      : "last run: never",
    `files waiting to be sent: ${waiting.length}${waiting.length ? ` (${waiting.join(", ")})` : ""}`,
    `last error: ${state.lastError ? `${state.lastError.at}: ${state.lastError.message}` : "none"}`,
  ];
  return `${lines.join("\n")}\n`;
}

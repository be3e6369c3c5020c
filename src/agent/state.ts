/**
 * The agent's memory, kept in the folder it serves (`.s2s-sync/`): what it is sending and has
 * sent, what it has received, and how its last run went. Written whole to a new file and renamed
 * over the old, so a crash at any moment leaves the last complete state; every step of sending
 * is written down before it is taken, so a run after a crash finishes it instead of repeating it.
 */

import { randomUUID } from "node:crypto";
import { link, mkdir, open, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { processAlive } from "../platform/process-alive.js";

export interface Sending {
  sha256: string;
  /** The Idempotency-Key: the same upload, however often it is tried, is one file on the hub. */
  key: string;
  transferId?: string;
  since: string;
}

export interface SyncState {
  sending: Record<string, Sending>;
  /**
   * Transfers accepted on the hub, by id: where each was saved (absent until it is); or one
   * left on the hub because its name was not a CTF's (`refused`), said once in the log.
   */
  received: Record<string, { fileName: string; savedAs?: string; at: string; refused?: boolean }>;
  lastRun?: { at: string; sent: number; failed: number; received: number };
  /** The school the token belongs to, as the hub said at the last run. */
  school?: string;
  lastError?: { at: string; message: string } | null;
}

export const stateDir = (folder: string) => join(folder, ".s2s-sync");
/**
 * Where a file is moved (renamed, on the same disk) before it is read, and kept until it is
 * filed: an MIS that writes a new file of the same name meanwhile writes a new file, which
 * waits in the folder for its own turn, instead of changing the one being sent.
 */
export const stagingDir = (folder: string) => join(stateDir(folder), "sending");
const statePath = (folder: string) => join(stateDir(folder), "state.json");

export async function readState(folder: string): Promise<SyncState> {
  const text = await readFile(statePath(folder), "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (text === undefined) return { sending: {}, received: {} };
  return JSON.parse(text) as SyncState;
}

export async function writeState(folder: string, state: SyncState): Promise<void> {
  await mkdir(stateDir(folder), { recursive: true });
  const temporary = `${statePath(folder)}.${process.pid}.new`;
  const file = await open(temporary, "w");
  try {
    await file.writeFile(JSON.stringify(state, null, 1));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, statePath(folder));
}

/** Another agent's hold on the folder, by its process id; refused while that process lives. */
export class FolderTaken extends Error {
  constructor(readonly pid: number) {
    super(
      `another s2s sync (process ${pid}) is already working on this folder; run one agent per folder`,
    );
  }
}

/**
 * Takes the folder for this process; a hold left by a process that has died is taken over. The
 * lock is written whole under a name of its own and then linked into place, so it never exists
 * without its holder's id (an empty one, read between create and write, was taken for dead and
 * let two agents in). A dead holder's lock is removed by one taker at a time, under a second
 * lock, and only if it is still the dead holder's.
 */
export async function lockFolder(folder: string): Promise<() => Promise<void>> {
  await mkdir(stateDir(folder), { recursive: true });
  const path = join(stateDir(folder), "agent.lock");
  const guard = `${path}.takeover`;
  const mine = `${path}.${randomUUID()}.new`;
  await writeFile(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await link(mine, path);
        return () => unlink(path).catch(() => {});
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const pid = holderOf(await readFile(path, "utf8").catch(() => ""));
      if (pid !== undefined && processAlive(pid)) throw new FolderTaken(pid);
      try {
        await link(mine, guard);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        // Another taker is at it; a guard left by one that died is cleared after a while.
        const since = await stat(guard).then(
          (g) => Date.now() - g.mtimeMs,
          () => 0,
        );
        if (since > GUARD_STALE_MS) await unlink(guard).catch(() => {});
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      try {
        const still = await readFile(path, "utf8").then(holderOf, () => null);
        if (still === pid) await unlink(path).catch(() => {});
      } finally {
        await unlink(guard).catch(() => {});
      }
    }
    throw new Error("could not take the folder's lock");
  } finally {
    await unlink(mine).catch(() => {});
  }
}

const GUARD_STALE_MS = 10_000;

function holderOf(text: string): number | undefined {
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The office's log: one line a file, in words, appended. */
export async function logLine(folder: string, line: string, now: Date): Promise<void> {
  const stamp = now.toISOString().replace("T", " ").slice(0, 19);
  await writeFile(join(folder, "s2s-sync.log"), `${stamp}  ${line}\n`, { flag: "a" });
}

/**
 * The data exchange folder agent. Each run sends every complete CTF this school's MIS has put in
 * the folder (once, however often it is interrupted), moves it to `sent/` with the hub's verdict
 * beside it or to `failed/` with the errors in words, and saves every file waiting for the
 * school on the hub into the inbox folder, whole or not at all, never over another file.
 */
import { randomUUID } from "node:crypto";
import {
  chmod,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import type { HubTransfer } from "../client/hub-client.js";
import { HubClient, HubError, HubUnreachableError, isRetryable } from "../client/hub-client.js";
import { isSafeCtfFileName, parseCtfFileName } from "../ctf/filename.js";
import { sha256 } from "../platform/accounts/secrets.js";
import { numbered, writeWhole } from "../platform/store/folder-file.js";
import { logLine, readState, type SyncState, stagingDir, stateDir, writeState } from "./state.js";

export interface SyncSettings {
  hub: string;
  token: string;
  folder: string;
  /** Where received files go; the folder itself by default. */
  inbox: string;
  /** A file is complete when its size and time have not changed for this long. */
  settleMs: number;
  /** How long a run waits for the hub to check a file it sent. */
  verdictWaitMs: number;
  /** The mode of the files it writes: 0o600, or 0o640 for an MIS reading as the group. */
  fileMode: number;
  /** Days a sent file's copy is kept in `sent/`. */
  keepDays: number;
  clock: () => Date;
}

export interface RunReport {
  sent: string[];
  failed: string[];
  received: string[];
  waiting: string[];
}

/** The hub refuses the token: nothing more can be done until someone makes a new one. */
export class TokenRefused extends Error {
  constructor(
    message = "the hub refuses the token: it is wrong, revoked or expired. Make a new one on the hub's Your account page",
  ) {
    super(message);
  }
}

/** A test aid: the agent kills itself at a named step (S2S_SYNC_KILL_AT), to prove recovery. */
function step(name: string): void {
  if (process.env.S2S_SYNC_KILL_AT === name) process.kill(process.pid, "SIGKILL");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runOnce(s: SyncSettings): Promise<RunReport> {
  const hub = new HubClient({ url: s.hub, token: s.token });
  const me = await hub.me().catch(rethrow);
  if (!me.establishment)
    throw new TokenRefused(
      `the token is ${me.username}'s, who is not a school's user: make one as a user of the school`,
    );
  const state = await readState(s.folder);
  state.school = me.establishment;
  const report: RunReport = { sent: [], failed: [], received: [], waiting: [] };
  try {
    await send(s, hub, me.establishment, state, report);
    await receive(s, hub, state, report);
    await forgetOldSent(s);
    await sweepLeftovers(s);
    state.lastError = null;
  } catch (e) {
    state.lastError = { at: s.clock().toISOString(), message: (e as Error).message };
    throw e;
  } finally {
    state.lastRun = {
      at: s.clock().toISOString(),
      sent: report.sent.length,
      failed: report.failed.length,
      received: report.received.length,
    };
    await writeState(s.folder, state);
  }
  return report;
}

function rethrow(e: unknown): never {
  if (e instanceof HubError && e.status === 401) throw new TokenRefused();
  throw e;
}

/** This school's CTFs in the folder: by name (any case), files only, none hidden or partial. */
export async function candidates(folder: string, laestab: string): Promise<string[]> {
  // Files only: a link may lead anywhere on the machine, and what it leads to is not the MIS's.
  const entries = await readdir(folder, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith("."))
    .map((e) => e.name)
    .filter((n) => {
      const parsed = parseCtfFileName(n);
      return parsed.ok && parsed.name.source === laestab;
    });
}

/**
 * Whether the file ends as a CTF ends: an MIS that writes in bursts can pause longer than the
 * settle time half-way. One unchanged for an hour goes as it is, for the hub's check to say why.
 */
async function wholeXml(path: string, now: Date): Promise<boolean> {
  const info = await stat(path);
  if (now.getTime() - info.mtimeMs > HALF_WRITTEN_GIVE_UP_MS) return true;
  const file = await open(path, "r");
  try {
    const length = Math.min(info.size, 256);
    const tail = Buffer.alloc(length);
    await file.read(tail, 0, length, info.size - length);
    return /<\/CTfile>\s*$/i.test(tail.toString("latin1"));
  } finally {
    await file.close();
  }
}

const HALF_WRITTEN_GIVE_UP_MS = 3_600_000;

/** What a crash (or a full disk) left half-done an hour ago: hidden partial files and states. */
async function sweepLeftovers(s: SyncSettings): Promise<void> {
  const before = s.clock().getTime() - 3_600_000;
  await removeOlder(s.folder, before, /^\..*\.partial$/);
  await removeOlder(s.inbox, before, /^\..*\.partial$/);
  await removeOlder(stateDir(s.folder), before, /\.new$/);
}

/** Removes the plain files in `dir` (not links) last changed before `before` whose names match. */
async function removeOlder(dir: string, before: number, names = /(?:)/): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!names.test(name)) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < before) await unlink(join(dir, name)).catch(() => {});
  }
}

/** Files taken from the folder and not yet filed in `sent/` or `failed/`. */
export async function stagedFiles(folder: string): Promise<string[]> {
  const names = await readdir(stagingDir(folder)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  return names.filter((n) => !n.startsWith("."));
}

/** Complete: not changed for the settle time, seen twice that far apart. */
async function complete(path: string, settleMs: number, now: () => Date): Promise<boolean> {
  const first = await stat(path).catch(() => undefined);
  if (!first?.isFile()) return false;
  const age = now().getTime() - first.mtimeMs;
  if (age < settleMs) await sleep(settleMs - age);
  const second = await stat(path).catch(() => undefined);
  return second !== undefined && second.size === first.size && second.mtimeMs === first.mtimeMs;
}

async function send(
  s: SyncSettings,
  hub: HubClient,
  laestab: string,
  state: SyncState,
  report: RunReport,
): Promise<void> {
  const staging = stagingDir(s.folder);
  await mkdir(staging, { recursive: true });
  const staged = new Set(await stagedFiles(s.folder));
  const here = await candidates(s.folder, laestab);
  // Sends a crash interrupted after the file moved on: done; only the note of it was left.
  for (const name of Object.keys(state.sending))
    if (!staged.has(name) && !here.includes(name)) {
      delete state.sending[name];
      await writeState(s.folder, state);
    }
  // Each complete file is taken out of the MIS's hands before it is read.
  for (const name of here.sort()) {
    if (staged.has(name)) {
      await logLine(
        s.folder,
        `waiting  ${name}: an earlier file of this name is still being sent; this one goes next`,
        s.clock(),
      );
      report.waiting.push(name);
      continue;
    }
    const path = join(s.folder, name);
    if (!state.sending[name] && !(await complete(path, s.settleMs, s.clock))) {
      await logLine(s.folder, `waiting  ${name}: still being written`, s.clock());
      report.waiting.push(name);
      continue;
    }
    if (!state.sending[name] && !(await wholeXml(path, s.clock()))) {
      await logLine(
        s.folder,
        `waiting  ${name}: it does not end with </CTfile> yet, so it is still being written`,
        s.clock(),
      );
      report.waiting.push(name);
      continue;
    }
    try {
      await rename(path, join(staging, name));
      staged.add(name);
      // Ours now, and kept in sent/ for a while: readable by the agent's account alone.
      await chmod(join(staging, name), 0o600).catch(() => {});
    } catch (e) {
      // Held open by the MIS (Windows): tried again next run.
      await logLine(
        s.folder,
        `waiting  ${name}: cannot be moved yet (${(e as Error).message})`,
        s.clock(),
      );
      report.waiting.push(name);
    }
  }
  step("after-stage");
  for (const name of [...staged].sort()) {
    const bytes = new Uint8Array(await readFile(join(staging, name)));
    const digest = sha256(bytes);
    let entry = state.sending[name];
    if (!entry || entry.sha256 !== digest) {
      entry = { sha256: digest, key: randomUUID(), since: s.clock().toISOString() };
      state.sending[name] = entry;
      await writeState(s.folder, state);
    }
    step("before-upload");
    if (!entry.transferId) {
      try {
        entry.transferId = (await hub.upload(name, bytes, entry.key)).id;
      } catch (e) {
        if (e instanceof HubError && e.code === "upload.duplicate" && e.detail?.transferId)
          entry.transferId = e.detail.transferId;
        else if (e instanceof HubError && e.status === 401) throw new TokenRefused();
        else if (e instanceof HubUnreachableError) throw e;
        else if (isRetryable(e)) {
          // The hub's passing trouble: this file waits for a later run, and the others go on.
          await logLine(s.folder, `waiting  ${name}: ${(e as Error).message}`, s.clock());
          report.waiting.push(name);
          continue;
        } else if (e instanceof HubError) {
          await settle(s, state, name, "failed", `The hub refused it: ${e.message}`);
          report.failed.push(name);
          continue;
        } else throw e;
      }
      await writeState(s.folder, state);
    }
    step("after-upload");
    const verdict = await checked(hub, entry.transferId, s.verdictWaitMs);
    if (!verdict) {
      await logLine(s.folder, `sent     ${name}: the hub is still checking it`, s.clock());
      report.waiting.push(name);
      continue;
    }
    if (verdict.status === "failed") {
      await settle(s, state, name, "failed", failure(verdict));
      report.failed.push(name);
    } else {
      await settle(s, state, name, "sent", success(verdict));
      report.sent.push(name);
    }
  }
}

/** The transfer once the hub has checked it, or undefined when it is still checking. */
async function checked(hub: HubClient, id: string, waitMs: number) {
  const until = Date.now() + waitMs;
  for (;;) {
    const t = await hub.transfer(id).catch((e) => {
      if (isRetryable(e) && !(e instanceof HubUnreachableError)) return undefined;
      return rethrow(e);
    });
    if (!t) return undefined;
    if (t.status !== "checking") return t;
    if (Date.now() >= until) return undefined;
    await sleep(500);
  }
}

function success(t: HubTransfer): string {
  const to =
    t.destination.kind === "lost"
      ? "the Lost Pupils database"
      : t.destination.kind === "outside"
        ? "the out-of-sector register"
        : `${t.destination.name ?? "the school"} (${t.destination.laestab})`;
  const warnings = t.warnings.map((w) => `  warning: ${findingLine(w)}`);
  return [
    `Sent to ${to}: ${t.pupilCount} pupil(s), checked, ${t.status === "available" ? "waiting for the school to collect it" : t.status}.`,
    `Transfer ${t.id}, sent ${t.createdAt}.`,
    ...warnings,
  ].join("\n");
}

function failure(t: HubTransfer): string {
  return [
    `The hub checked ${t.fileName} and found errors, so it was not sent. Correct them in the MIS, export the file again and put it in the folder:`,
    ...t.errors.map((f) => `  ${findingLine(f)}`),
  ].join("\n");
}

function findingLine(f: HubTransfer["errors"][number]): string {
  const where = [
    f.line ? `line ${f.line}` : undefined,
    f.pupil ? `pupil ${f.pupil.position}${f.pupil.upn ? ` (UPN ${f.pupil.upn})` : ""}` : undefined,
  ]
    .filter(Boolean)
    .join(", ");
  return `${where ? `${where}: ` : ""}${f.message}`;
}

/** The file to `sent/` or `failed/` with its note beside it, then forgotten. */
async function settle(
  s: SyncSettings,
  state: SyncState,
  name: string,
  to: "sent" | "failed",
  note: string,
): Promise<void> {
  const dir = join(s.folder, to);
  await mkdir(dir, { recursive: true });
  const target = await freeName(dir, name);
  await writeFile(join(dir, `${target}.txt`), `${note}\n`, { mode: 0o600 });
  step("before-move");
  await rename(join(stagingDir(s.folder), name), join(dir, target));
  step("after-move");
  delete state.sending[name];
  await writeState(s.folder, state);
  await logLine(s.folder, `${to.padEnd(8)} ${name}: ${note.split("\n")[0]}`, s.clock());
}

/** Copies in `sent/` (with their notes) older than the days they are kept: the hub has them. */
async function forgetOldSent(s: SyncSettings): Promise<void> {
  await removeOlder(join(s.folder, "sent"), s.clock().getTime() - s.keepDays * 86_400_000);
}

/** `name`, or `name` with -2, -3 ... before its extension, whichever is free in `dir`. */
async function freeName(dir: string, name: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = numbered(name, n);
    if (!(await stat(join(dir, candidate)).catch(() => undefined))) return candidate;
  }
}

async function receive(
  s: SyncSettings,
  hub: HubClient,
  state: SyncState,
  report: RunReport,
): Promise<void> {
  await mkdir(s.inbox, { recursive: true });
  const inbox = await hub.inbox().catch(rethrow);
  for (const t of inbox) {
    const mine = state.received[t.id];
    // The name becomes a path in the school's folder: only a CTF's, never one that leads out.
    if (!isSafeCtfFileName(t.fileName)) {
      if (!mine?.refused) {
        state.received[t.id] = { fileName: t.fileName, at: s.clock().toISOString(), refused: true };
        await writeState(s.folder, state);
        await logLine(
          s.folder,
          `skipped  file ${t.id} from ${t.source.laestab}: the hub named it ${JSON.stringify(t.fileName)}, which is not a CTF's name, so it was left on the hub; tell the hub's help desk`,
          s.clock(),
        );
      }
      continue;
    }
    // Waiting for the school; or accepted by this agent and not yet saved (a crash between).
    if (!(t.status === "available" || (t.status === "downloaded" && mine && !mine.savedAs)))
      continue;
    if (!mine) {
      state.received[t.id] = { fileName: t.fileName, at: s.clock().toISOString() };
      await writeState(s.folder, state);
    }
    step("before-accept");
    let bytes: Uint8Array;
    try {
      await hub.accept(t.id);
      step("after-accept");
      bytes = await hub.content(t.id);
    } catch (e) {
      if (!isRetryable(e) || e instanceof HubUnreachableError) rethrow(e);
      // Accepting twice is harmless: the next run takes this file up where this one stopped.
      await logLine(s.folder, `waiting  ${t.fileName}: ${(e as Error).message}`, s.clock());
      continue;
    }
    // Whole or not at all, never over another file: the same bytes already there count as saved.
    const savedAs = await writeWhole(s.inbox, t.fileName, bytes, "next", s.fileMode);
    step("after-save");
    (state.received[t.id] as { savedAs?: string }).savedAs = savedAs;
    await writeState(s.folder, state);
    const note =
      savedAs === t.fileName
        ? ""
        : ` (a file called ${t.fileName} was already there, so this one is ${savedAs})`;
    await logLine(
      s.folder,
      `received ${t.fileName} from ${t.source.name ?? t.source.laestab}: ${t.pupilCount} pupil(s)${note}`,
      s.clock(),
    );
    report.received.push(savedAs);
  }
}

export { HubUnreachableError };

/**
 * Comparing a pupil's row, leaf by leaf, for an import and its undo. A leaf is a value at a path
 * (`/record/basicDetails/ethnicity`); a list counts as one value, since a history list is one
 * field to the school. Values compare as canonical JSON, so the order a database keeps an
 * object's keys in never reads as a change.
 */
import { createHash } from "node:crypto";
import type { PupilState } from "../db/mis-schema.js";

/**
 * JSON with every object's keys in order: the same value is the same text, however stored.
 * Written out directly rather than by sorting a copy and stringifying it, as an import digests
 * every pupil it adds.
 */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v))
    return `[${v.map((x) => (x === undefined || typeof x === "function" ? "null" : canonicalJson(x))).join(",")}]`;
  if (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { toJSON?: unknown }).toJSON !== "function"
  ) {
    const o = v as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of orderedKeys(o)) {
      const x = o[k];
      if (x !== undefined && typeof x !== "function")
        parts.push(`${JSON.stringify(k)}:${canonicalJson(x)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(v);
}

/**
 * Keys sorted, except that integer keys come first in numeric order: the order the earlier,
 * copy-and-sort form gave (an object lists integer keys first), so digests already kept still
 * match.
 */
function orderedKeys(o: object): string[] {
  const keys = Object.keys(o);
  // Integer keys come first if there are any, so the first key tells.
  if (keys.length === 0 || !isIndex(keys[0] as string)) return keys.sort();
  const integers = keys.filter(isIndex);
  const named = keys.filter((k) => !integers.includes(k)).sort();
  return [...integers.sort((x, y) => Number(x) - Number(y)), ...named];
}

const isIndex = (k: string) => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;

/** A row as one hash: what an import wrote, to tell at undo whether anyone changed it since. */
export function stateDigest(state: PupilState): string {
  return createHash("sha256").update(canonicalJson(state)).digest("hex");
}

function leaves(v: unknown, path = "", out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (x !== undefined) leaves(x, `${path}/${k}`, out);
  } else if (v !== undefined) out.set(path, canonicalJson(v));
  return out;
}

function build(flat: Map<string, string>): PupilState {
  const root: Record<string, unknown> = {};
  for (const [path, json] of flat) {
    const keys = path.split("/").slice(1);
    let at = root;
    for (const k of keys.slice(0, -1)) {
      if (typeof at[k] !== "object" || at[k] === null) at[k] = {};
      at = at[k] as Record<string, unknown>;
    }
    at[keys.at(-1) as string] = JSON.parse(json);
  }
  return root as unknown as PupilState;
}

/** What a merge changed: each changed leaf's value before and after (null: absent). */
export type StateDiff = Record<string, [string | null, string | null]>;

export function diffOf(before: PupilState, after: PupilState): StateDiff {
  const b = leaves(before);
  const a = leaves(after);
  const diff: StateDiff = {};
  for (const path of new Set([...b.keys(), ...a.keys()]))
    if (b.get(path) !== a.get(path)) diff[path] = [b.get(path) ?? null, a.get(path) ?? null];
  return diff;
}

/**
 * The row with a merge undone: each leaf the merge changed goes back, unless it has been changed
 * since (those are named, and left as they are).
 */
export function undoDiff(diff: StateDiff, now: PupilState) {
  const n = leaves(now);
  const kept: string[] = [];
  for (const [path, [was, became]] of Object.entries(diff)) {
    if ((n.get(path) ?? null) !== became) {
      kept.push(path.slice(1).replaceAll("/", "."));
      continue;
    }
    if (was === null) n.delete(path);
    else n.set(path, was);
  }
  return { state: build(n), kept };
}

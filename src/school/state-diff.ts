/**
 * Comparing a pupil's row, leaf by leaf, for an import and its undo. A leaf is a value at a path
 * (`/record/basicDetails/ethnicity`); a list counts as one value, since a history list is one
 * field to the school. Values compare as canonical JSON, so the order a database keeps an
 * object's keys in never reads as a change.
 */
import { createHash } from "node:crypto";
import type { PupilState } from "./schema.js";

/**
 * JSON with every object's keys in order: the same value is the same text, however stored.
 * A copy with its keys in that order, written out by JSON.stringify: faster than writing the
 * text out in JavaScript, as an import digests every pupil it adds.
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(inKeyOrder(v));
}

/** The value with each plain object copied, its keys in canonical order; the rest as it is. */
function inKeyOrder(x: unknown): unknown {
  if (typeof x !== "object" || x === null || hasToJson(x)) return x;
  // What JSON leaves out of an array (undefined, functions, holes) it writes as null.
  if (Array.isArray(x)) return x.map(inKeyOrder);
  const o = x as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of orderedKeys(o)) {
    const field = o[k];
    if (!written(field)) continue;
    // Assigning "__proto__" would set the copy's prototype, not a key.
    if (k === "__proto__")
      Object.defineProperty(out, k, {
        value: inKeyOrder(field),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[k] = inKeyOrder(field);
  }
  return out;
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

/**
 * Whether two values have the same canonical JSON, found without writing either out: a merge
 * compares every history row of a pupil, and most are alike.
 */
export function alike(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null)
    return asJson(a) === asJson(b);
  if (hasToJson(a) || hasToJson(b)) return canonicalJson(a) === canonicalJson(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!alike(inArray(a[i]), inArray(b[i]))) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let fields = 0;
  for (const k of Object.keys(x)) {
    const v = x[k];
    if (!written(v)) continue;
    fields++;
    if (!Object.hasOwn(y, k) || !alike(v, y[k])) return false;
  }
  for (const k of Object.keys(y)) if (written(y[k])) fields--;
  return fields === 0;
}

const written = (v: unknown) => v !== undefined && typeof v !== "function";
const inArray = (v: unknown) => (written(v) ? v : null);
const hasToJson = (v: object) => typeof (v as { toJSON?: unknown }).toJSON === "function";
/** A scalar as JSON writes it (NaN as null, say); what JSON leaves out, as undefined. */
const asJson = (v: unknown) => (written(v) ? JSON.stringify(v) : undefined);

/** A row as one hash: what an import wrote, to tell at undo whether anyone changed it since. */
export function stateDigest(state: PupilState): string {
  return createHash("sha256").update(canonicalJson(state)).digest("hex");
}

/**
 * The same digest from the record's canonical JSON already written (an import writes it once, for
 * the database and for the digest). The state's own fields are in canonical order here.
 */
export function stateDigestWith(state: PupilState, recordJson: string): string {
  const field = (name: string, v: unknown) =>
    v === undefined ? [] : [`${JSON.stringify(name)}:${canonicalJson(v)}`];
  const text = [
    ...field("admissionDate", state.admissionDate),
    ...field("leaving", state.leaving),
    ...field("neverGiven", state.neverGiven),
    `"record":${recordJson}`,
    ...field("regGroup", state.regGroup),
    ...field("status", state.status),
  ].join(",");
  return createHash("sha256").update(`{${text}}`).digest("hex");
}

/** Each leaf's value by its path, written out as canonical JSON. */
function leaves(v: unknown): Map<string, string> {
  return new Map([...leafValues(v)].map(([path, x]) => [path, canonicalJson(x)]));
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
  const b = leafValues(before);
  const a = leafValues(after);
  const diff: StateDiff = {};
  // Only the leaves that differ are written out: a merge changes a few of a record's hundreds.
  const text = (v: unknown) => (v === undefined ? null : canonicalJson(v));
  for (const path of new Set([...b.keys(), ...a.keys()])) {
    const was = b.get(path);
    const now = a.get(path);
    if (was === undefined || now === undefined || !alike(was, now))
      diff[path] = [text(was), text(now)];
  }
  return diff;
}

/** Each leaf's value by its path (a list is one leaf), not yet written out. */
function leafValues(v: unknown, path = "", out = new Map<string, unknown>()) {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (x !== undefined) leafValues(x, `${path}/${k}`, out);
  } else if (v !== undefined) out.set(path, v);
  return out;
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

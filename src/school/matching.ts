/**
 * Matching a file's pupils against the register. A UPN (or a former UPN on either side) is
 * certain; anything else is a candidate with a score and its reasons, which a person confirms.
 * Names compare without case, accents, hyphens, apostrophes or spaces, and in either order.
 */
import type { Pupil } from "../ctf/model.js";
import { checkUpn } from "../ctf/upn.js";

export interface RegisterEntry {
  id: string;
  upn: string | null;
  formerUpn: string | null;
  surname: string;
  forename: string;
  preferredSurname: string | null;
  preferredForename: string | null;
  formerSurname: string | null;
  dob: string | null;
  sex: string | null;
}

export interface Candidate {
  pupil: string;
  score: number;
  certain: boolean;
  why: string[];
}

/** Shown to the user from this score; below it a resemblance is chance. */
export const CANDIDATE_SCORE = 50;
const MAX_CANDIDATES = 5;

/** "Zoë O'Brien-Smith" and "zoe obriensmith" are one name. */
export function normaliseName(name: string | null | undefined): string {
  const s = name ?? "";
  // Most names are plain ASCII, where decomposing and Unicode classes change nothing: a register
  // of thousands is indexed by several names each.
  if (PLAIN.test(s)) return s.toLowerCase().replace(/[^a-z0-9]/g, "");
  return s
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, "");
}

const PLAIN = /^[ -~]*$/;

interface Names {
  surname: string;
  forename: string;
  otherSurnames: string[];
  otherForenames: string[];
  /** The surname and the others, and likewise forenames: made once, compared many times. */
  allSurnames: string[];
  allForenames: string[];
}

function namesOf(e: {
  surname?: string | null;
  forename?: string | null;
  preferredSurname?: string | null;
  preferredForename?: string | null;
  formerSurname?: string | null;
}): Names {
  const surname = normaliseName(e.surname);
  const forename = normaliseName(e.forename);
  const otherSurnames = [e.preferredSurname, e.formerSurname].map(normaliseName).filter(Boolean);
  const otherForenames = [e.preferredForename].map(normaliseName).filter(Boolean);
  return {
    surname,
    forename,
    otherSurnames,
    otherForenames,
    allSurnames: [surname, ...otherSurnames].filter(Boolean),
    allForenames: [forename, ...otherForenames].filter(Boolean),
  };
}

/** The register, indexed so that each file pupil is compared with a few pupils, not all. */
export class RegisterIndex {
  private readonly byUpn = new Map<string, RegisterEntry[]>();
  private readonly byFormerUpn = new Map<string, RegisterEntry[]>();
  private readonly byKey = new Map<string, Set<RegisterEntry>>();
  private readonly names = new Map<RegisterEntry, Names>();

  constructor(entries: RegisterEntry[]) {
    for (const e of entries) {
      const upn = identity(e.upn);
      const formerUpn = identity(e.formerUpn);
      if (upn) push(this.byUpn, upn, e);
      if (formerUpn) push(this.byFormerUpn, formerUpn, e);
      const n = namesOf(e);
      this.names.set(e, n);
      for (const k of registerKeys(e.dob, n)) {
        const set = this.byKey.get(k) ?? new Set<RegisterEntry>();
        set.add(e);
        this.byKey.set(k, set);
      }
    }
  }

  /** The register's pupils this file pupil may be, best first. */
  match(p: Pupil): Candidate[] {
    const upn = identity(p.upn);
    const formerUpn = identity(p.basicDetails?.formerUpn);
    const certain = new Map<RegisterEntry, string>();
    if (upn) for (const e of this.byUpn.get(upn) ?? []) certain.set(e, "same UPN");
    if (upn)
      for (const e of this.byFormerUpn.get(upn) ?? [])
        if (!certain.has(e)) certain.set(e, "the file's UPN is this pupil's former UPN");
    if (formerUpn)
      for (const e of this.byUpn.get(formerUpn) ?? [])
        if (!certain.has(e)) certain.set(e, "the file's former UPN is this pupil's UPN");

    const file = namesOf({
      surname: p.surname ?? null,
      forename: p.forename ?? null,
      preferredSurname: p.basicDetails?.preferredSurname ?? null,
      preferredForename: p.basicDetails?.preferredForename ?? null,
      formerSurname: p.basicDetails?.formerSurname ?? null,
    });
    const seen = new Set<RegisterEntry>();
    for (const k of lookupKeys(p.dob ?? null, file))
      for (const e of this.byKey.get(k) ?? []) seen.add(e);
    for (const e of certain.keys()) seen.add(e);

    const out: Candidate[] = [];
    for (const e of seen) {
      const names = this.names.get(e) as Names;
      const sure = certain.get(e);
      // Most of those looked at share only a surname or a birthday: scored, not explained.
      if (!sure && score(file, p, e, names) < CANDIDATE_SCORE) continue;
      const told = { why: [] as string[], doubts: [] as string[] };
      const total = score(file, p, e, names, told);
      if (sure) {
        // Certain, but what disagrees is said, so that a wrong UPN shows itself.
        out.push({ pupil: e.id, score: 100, certain: true, why: [sure, ...told.doubts] });
      } else out.push({ pupil: e.id, score: total, certain: false, why: told.why });
    }
    out.sort((a, b) => Number(b.certain) - Number(a.certain) || b.score - a.score);
    return out.slice(0, MAX_CANDIDATES);
  }
}

/**
 * A UPN as an identity: only one that passes its check. One that fails (a typing slip, or a
 * placeholder such as X) is kept in the record as the file gave it, but two children carrying
 * the same malformed value are not thereby the same child.
 */
export function identity(upn: string | null | undefined): string | undefined {
  if (!upn) return undefined;
  const check = checkUpn(upn);
  return check.valid ? check.upn : undefined;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * A register pupil's index keys: the date of birth (and with day and month swapped), every
 * surname, and the forename (for names given the wrong way round). No candidate can reach the
 * score to be shown without one of these in common, so nobody else is compared.
 */
function registerKeys(dob: string | null, n: Names): string[] {
  const keys = dobKeys(dob);
  for (const s of [n.surname, ...n.otherSurnames]) if (s) keys.push(`sur:${s}`);
  if (n.forename) keys.push(`fore:${n.forename}`);
  return keys;
}

/** The keys a file's pupil is looked up by: its dates, its surnames, its surname as forename. */
function lookupKeys(dob: string | null, n: Names): string[] {
  const keys = dobKeys(dob).slice(0, 1);
  for (const s of [n.surname, ...n.otherSurnames]) if (s) keys.push(`sur:${s}`);
  if (n.surname) keys.push(`fore:${n.surname}`);
  return keys;
}

function dobKeys(dob: string | null): string[] {
  if (!dob) return [];
  const [y, m, d] = dob.split("-");
  return y && m && d ? [`dob:${dob}`, `dob:${y}-${d}-${m}`] : [`dob:${dob}`];
}

/** At most one letter added, dropped or changed (a typing slip), for names of 4 letters up. */
function nearly(a: string, b: string): boolean {
  if (a === b || a.length < 4 || b.length < 4 || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return (
    a.slice(i + 1) === b.slice(i + 1) ||
    a.slice(i) === b.slice(i + 1) ||
    a.slice(i + 1) === b.slice(i)
  );
}

/** The score out of 99; with `told`, the reasons for it and what disagrees, in words. */
function score(
  file: Names,
  p: Pupil,
  e: RegisterEntry,
  reg: Names,
  told?: { why: string[]; doubts: string[] },
): number {
  let total = 0;
  const why = told?.why;
  const doubts = told?.doubts;
  const swapped =
    file.surname !== "" &&
    file.surname === reg.forename &&
    file.forename === reg.surname &&
    file.surname !== file.forename;
  if (swapped) {
    total += 55;
    why?.push("surname and forename swapped");
  } else {
    if (file.surname !== "" && file.surname === reg.surname) {
      total += 35;
      why?.push("same surname");
    } else if (file.allSurnames.some((s) => s === reg.surname || reg.otherSurnames.includes(s))) {
      total += 30;
      why?.push("surname matches a preferred or former surname");
    } else if (nearly(file.surname, reg.surname)) {
      total += 20;
      why?.push("surname nearly the same");
    } else doubts?.push("surname differs");
    if (file.forename !== "" && file.forename === reg.forename) {
      total += 25;
      why?.push("same forename");
    } else if (
      file.allForenames.some((f) => f === reg.forename || reg.otherForenames.includes(f))
    ) {
      total += 20;
      why?.push("forename matches a preferred forename");
    } else if (nearly(file.forename, reg.forename)) {
      total += 15;
      why?.push("forename nearly the same");
    } else doubts?.push("forename differs");
  }
  const dob = p.dob ?? null;
  if (dob && dob === e.dob) {
    total += 30;
    why?.push("same date of birth");
  } else if (dob && e.dob) {
    if (swappedDate(dob) === e.dob) {
      total += 15;
      why?.push("date of birth with day and month swapped");
    } else doubts?.push("date of birth differs");
  }
  if (p.sex && e.sex) {
    if (p.sex === e.sex) {
      total += 10;
      why?.push("same sex");
    } else {
      total -= 10;
      doubts?.push("sex differs");
    }
  }
  return Math.max(0, Math.min(99, total));
}

/** YYYY-DD-MM for YYYY-MM-DD: a day and month typed the wrong way round. */
function swappedDate(dob: string): string {
  return `${dob.slice(0, 4)}-${dob.slice(8, 10)}-${dob.slice(5, 7)}`;
}

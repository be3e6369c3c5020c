/**
 * A synthetic Lost Pupils register (the generator's English names) and the searches an LA makes
 * for its children, each made from a real entry as a person would mistype it: one letter wrong,
 * a former surname, forename and surname swapped, day and month swapped, a date a few days out,
 * no forename. For the search quality test and the `lost.quality` and `lost.search` benchmarks.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { BOYS, GIRLS, SURNAMES } from "../../src/ctf/england.js";
import { makeUpn } from "../../src/ctf/upn.js";
import { type RegisterQuery, rankRegisters } from "../../src/hub/lost-pupils.js";
import { swappedDate } from "../../src/hub/register-match.js";
import type { Db } from "../../src/hub/schema.js";
import { seeded } from "./seeded.js";

export interface RegisterPupil {
  upn: string;
  surname: string;
  forename: string;
  formerSurname: string | null;
  dob: string;
  sex: "M" | "F";
}

const pick = <T>(next: () => number, xs: readonly T[]): T =>
  xs[Math.floor(next() * xs.length)] as T;

/** Pupils born 2009-2021 (Reception to Year 11); one in ten with a former surname. */
export function syntheticRegister(count: number, seed = 1, upnBase = 0): RegisterPupil[] {
  const next = seeded(seed);
  const start = Date.UTC(2009, 8, 1);
  const days = Math.floor((Date.UTC(2021, 7, 31) - start) / 86_400_000);
  return Array.from({ length: count }, (_, i) => {
    const sex = next() < 0.5 ? "M" : "F";
    const serial = upnBase + i;
    return {
      upn: makeUpn(
        `823${String(2000 + Math.floor(serial / 1000)).padStart(4, "0")}`,
        2015,
        serial % 1000,
      ),
      surname: pick(next, SURNAMES),
      forename: pick(next, sex === "M" ? BOYS : GIRLS),
      formerSurname: next() < 0.1 ? pick(next, SURNAMES) : null,
      dob: new Date(start + Math.floor(next() * days) * 86_400_000).toISOString().slice(0, 10),
      sex,
    };
  });
}

/** Puts the pupils into the Lost Pupils register, as lost files of `perFile` pupils from `sender`. */
export async function loadRegister(
  db: Db,
  pupils: RegisterPupil[],
  sender: { userId: string; laestab: string },
  perFile = 100,
): Promise<void> {
  for (let at = 0; at < pupils.length; at += perFile) {
    const batch = pupils.slice(at, at + perFile);
    const id = randomUUID();
    await db
      .insertInto("transfers")
      .values({
        id,
        file_name: `${sender.laestab}_CTF_XXXXXXX_001.XML`,
        source_laestab: sender.laestab,
        dest_laestab: "XXXXXXX",
        dest_kind: "lost",
        sequence: 1,
        status: "lost",
        sender_user_id: sender.userId,
        size_bytes: 1,
        sha256: randomUUID(),
        store_key: null,
        created_at: new Date(),
        checked_at: new Date(),
        pupil_count: batch.length,
      })
      .execute();
    const col = <K extends keyof RegisterPupil>(k: K) => batch.map((p) => p[k]);
    await sql`insert into transfer_pupils (transfer_id, position, upn, surname, forename,
        preferred_surname, preferred_forename, former_surname, dob, sex)
      select ${id}::uuid, n, upn, surname, forename, surname, forename, former, dob, sex
      from unnest(${col("upn")}::text[], ${col("surname")}::text[], ${col("forename")}::text[],
        ${col("formerSurname")}::text[], ${col("dob")}::date[], ${col("sex")}::text[])
        with ordinality as x(upn, surname, forename, former, dob, sex, n)`.execute(db);
  }
}

export type QueryKind =
  | "typo"
  | "near_date"
  | "former_surname"
  | "swapped_names"
  | "missing_forename";

export interface TestQuery {
  kind: QueryKind;
  query: RegisterQuery;
  /** The pupil searched for, by UPN. */
  upn: string;
}

/** One letter of `name` changed (never the first, which people rarely get wrong). */
function typo(next: () => number, name: string): string {
  const i = 1 + Math.floor(next() * (name.length - 1));
  const letters = "abcdefghijklmnopqrstuvwxyz".replace(name[i]?.toLowerCase() ?? "", "");
  return name.slice(0, i) + pick(next, [...letters]) + name.slice(i + 1);
}

function daysFrom(dob: string, days: number): string {
  return new Date(Date.parse(`${dob}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const blank = { upn: "", from: "" };

/** `each` searches of every kind, made from pupils of the register. */
export function searchesFor(pupils: RegisterPupil[], each: number, seed = 2): TestQuery[] {
  const next = seeded(seed);
  const out: TestQuery[] = [];
  const some = (filter: (p: RegisterPupil) => boolean) => {
    const ok = pupils.filter(filter);
    return Array.from({ length: each }, () => pick(next, ok));
  };
  for (const p of some(() => true)) {
    // A typo in one of the names, with the date exact or (where it can be) day and month swapped.
    const inSurname = next() < 0.5;
    const dob = next() < 0.5 ? (swappedDate(p.dob) ?? p.dob) : p.dob;
    out.push({
      kind: "typo",
      upn: p.upn,
      query: {
        ...blank,
        surname: (inSurname ? typo(next, p.surname) : p.surname).toLowerCase(),
        forename: (inSurname ? p.forename : typo(next, p.forename)).toLowerCase(),
        dob,
      },
    });
  }
  for (const p of some(() => true)) {
    const days = (1 + Math.floor(next() * 3)) * (next() < 0.5 ? -1 : 1);
    out.push({
      kind: "near_date",
      upn: p.upn,
      query: {
        ...blank,
        surname: p.surname.toLowerCase(),
        forename: p.forename.toLowerCase(),
        dob: daysFrom(p.dob, days),
      },
    });
  }
  for (const p of some((x) => x.formerSurname !== null && x.formerSurname !== x.surname)) {
    out.push({
      kind: "former_surname",
      upn: p.upn,
      query: {
        ...blank,
        surname: (p.formerSurname ?? "").toLowerCase(),
        forename: p.forename.toLowerCase(),
        dob: p.dob,
      },
    });
  }
  for (const p of some(() => true)) {
    out.push({
      kind: "swapped_names",
      upn: p.upn,
      query: {
        ...blank,
        surname: p.forename.toLowerCase(),
        forename: p.surname.toLowerCase(),
        dob: p.dob,
      },
    });
  }
  for (const p of some(() => true)) {
    out.push({
      kind: "missing_forename",
      upn: p.upn,
      query: { ...blank, surname: p.surname.toLowerCase(), forename: "", dob: p.dob },
    });
  }
  return out;
}

export interface Quality {
  /** Of each kind's searches, the share that found the pupil in the first five. */
  recall: Record<QueryKind, number>;
  /** Searches for pupils not in the register whose best answer was "certain". */
  falseCertain: number;
}

/**
 * Runs the searches through the LA search's own ranking, and `absent` searches (names, date and
 * UPN) for pupils who are not in the register.
 */
export async function measureQuality(
  db: Db,
  searches: TestQuery[],
  absent: RegisterPupil[],
): Promise<Quality> {
  const found = new Map<QueryKind, { hit: number; all: number }>();
  for (const s of searches) {
    const ranked = await rankRegisters(db, s.query);
    const hit = ranked.slice(0, 5).some((r) => r.c.upn === s.upn);
    const f = found.get(s.kind) ?? { hit: 0, all: 0 };
    found.set(s.kind, { hit: f.hit + (hit ? 1 : 0), all: f.all + 1 });
  }
  let falseCertain = 0;
  for (const p of absent) {
    for (const upn of [p.upn, ""]) {
      const ranked = await rankRegisters(db, {
        ...blank,
        upn,
        surname: p.surname.toLowerCase(),
        forename: p.forename.toLowerCase(),
        dob: p.dob,
      });
      if (ranked[0]?.m.certainty === "certain") falseCertain++;
    }
  }
  const recall = Object.fromEntries(
    [...found].map(([k, v]) => [k, v.all === 0 ? 0 : v.hit / v.all]),
  ) as Record<QueryKind, number>;
  return { recall, falseCertain };
}

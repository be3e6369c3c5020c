/**
 * A rejection's reason is e-mailed to the sender in the receiver's own words: before it goes, it
 * is checked for the names of the pupils in the file, their UPNs (also spaced or punctuated) and
 * dates of birth (in any common spelling), which must not travel by e-mail, and for web
 * addresses, which a sender would be invited to follow. Words are compared whole, case and
 * accents aside, so "Hall" is found in "hall," but not in "hallway".
 */

import { invalid } from "../platform/errors.js";
import type { Db, Tx } from "./schema.js";

const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/** The first pupil name, UPN or date of birth from the file that the text holds, if any. */
export async function pupilNameIn(
  db: Db | Tx,
  transferId: string,
  text: string,
): Promise<string | undefined> {
  const rows = await db
    .selectFrom("transfer_pupils")
    .select([
      "surname",
      "forename",
      "preferred_surname",
      "preferred_forename",
      "former_surname",
      "upn",
      "former_upn",
      "dob",
    ])
    .where("transfer_id", "=", transferId)
    .execute();
  const words = ` ${fold(text)
    .replace(/[^\p{L}\p{N}'-]+/gu, " ")
    .trim()} `;
  // A UPN written in groups ("A123 4567 ...") is still the UPN.
  const run = fold(text).replace(/[^\p{L}\p{N}]+/gu, "");
  const dates = datesIn(text);
  for (const r of rows)
    for (const name of [
      r.surname,
      r.forename,
      r.preferred_surname,
      r.preferred_forename,
      r.former_surname,
      r.upn,
      r.former_upn,
    ]) {
      const n = fold(name ?? "").trim();
      // A name of two letters is too often a word of its own ("Jo", "Al").
      if (n.length >= 3 && words.includes(` ${n} `)) return name?.trim();
    }
  for (const r of rows) {
    for (const upn of [r.upn, r.former_upn])
      if (upn && upn.length >= 13 && run.includes(fold(upn))) return upn;
    if (r.dob && dates.has(r.dob)) return r.dob;
  }
  return undefined;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** Every date the text may spell, as YYYY-MM-DD: 2015-03-09, 9/3/2015, 09.03.15, 9 March 2015. */
function datesIn(text: string): Set<string> {
  const found = new Set<string>();
  const add = (y: number, m: number, d: number) => {
    const year = y < 100 ? 2000 + y : y;
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31)
      found.add(`${year}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`);
  };
  const t = fold(text);
  for (const [, y, m, d] of t.matchAll(/\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b/g))
    add(Number(y), Number(m), Number(d));
  for (const [, d, m, y] of t.matchAll(/\b(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})\b/g)) {
    add(Number(y), Number(m), Number(d));
    add(Number(y), Number(d), Number(m)); // as an American would write it
  }
  for (const [, d, month, y] of t.matchAll(
    /\b(\d{1,2})(?:st|nd|rd|th)? ([a-z]{3})[a-z]* (\d{4})\b/g,
  ))
    add(Number(y), MONTHS.indexOf(month as string) + 1, Number(d));
  for (const [, month, d, y] of t.matchAll(
    /\b([a-z]{3})[a-z]* (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})\b/g,
  ))
    add(Number(y), MONTHS.indexOf(month as string) + 1, Number(d));
  return found;
}

/** A web address: never e-mailed in a reason a sender reads as the service's. */
const WEB_ADDRESS =
  /\b(?:https?:\/\/|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:uk|com|org|net|gov|sch|io)\/\S*/i;

/** Refuses a reason that names a pupil of the file, saying which word to take out. */
export async function refuseNamedPupils(
  db: Db | Tx,
  transferId: string,
  reason: string,
): Promise<void> {
  const address = reason.match(WEB_ADDRESS)?.[0];
  if (address)
    throw invalid(
      `Your reason contains a web address (${address}). The reason is e-mailed to the sending school in your words, and a link in it could be taken for S2S's own: take it out, and say in words what they should do.`,
      "reason",
    );
  const name = await pupilNameIn(db, transferId, reason);
  if (name)
    throw invalid(
      `Your reason contains "${name}", which is a pupil's name, UPN or date of birth in this file. The reason is e-mailed to the sending school, and e-mail must not carry pupils' details: take it out, and if you need to say which pupil, give their position in the file (pupil 1, pupil 2...).`,
      "reason",
    );
}

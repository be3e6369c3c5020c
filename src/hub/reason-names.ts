/**
 * A rejection's reason is e-mailed to the sender in the receiver's own words: before it goes, it
 * is checked for the names of the pupils in the file (and their UPNs), which must not travel by
 * e-mail. Words are compared whole, case and accents aside, so "Hall" is found in "hall," but
 * not in "hallway".
 */

import { invalid } from "../platform/errors.js";
import type { Db, Tx } from "./schema.js";

const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/** The first pupil name or UPN from the file that the text holds, if any. */
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
    ])
    .where("transfer_id", "=", transferId)
    .execute();
  const words = ` ${fold(text)
    .replace(/[^\p{L}\p{N}'-]+/gu, " ")
    .trim()} `;
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
  return undefined;
}

/** Refuses a reason that names a pupil of the file, saying which word to take out. */
export async function refuseNamedPupils(
  db: Db | Tx,
  transferId: string,
  reason: string,
): Promise<void> {
  const name = await pupilNameIn(db, transferId, reason);
  if (name)
    throw invalid(
      `Your reason contains "${name}", which is a pupil's name or UPN in this file. The reason is e-mailed to the sending school, and e-mail must not carry pupils' details: take it out, and if you need to say which pupil, give their position in the file (pupil 1, pupil 2...).`,
      "reason",
    );
}

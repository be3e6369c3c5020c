/**
 * A finding as a school office reads it: the pupil by position, name and UPN, then what is wrong
 * in plain words, then where in the file and the finding's code for whoever fixes the export:
 * "Pupil 1, Smith Jane (UPN A123...): the date of birth is missing (line 23, column 5;
 * pupil.dob.missing)".
 */
import { FINDING_CODES, type FindingCode, type FindingJson } from "./findings.js";

/**
 * What is missing, said of the pupil. Other findings' messages already say what and where, with
 * the value at fault ("UPN ... fails its check letter (expected H)"), which helps more.
 */
const ABOUT_A_PUPIL: Partial<Record<FindingCode, string>> = {
  "pupil.surname.missing": "the surname is missing",
  "pupil.forename.missing": "the forename is missing",
  "pupil.dob.missing": "the date of birth is missing",
  "pupil.sex.missing": "the sex is missing",
  "pupil.upn.missing": "there is no UPN",
};

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function findingInWords(f: FindingJson): string {
  const p = f.pupil;
  const who = p
    ? `Pupil ${p.position}${p.name ? `, ${p.name}` : ""}${p.upn ? ` (UPN ${p.upn})` : ""}: `
    : "";
  // Without its message (hidden from one who may not read pupils' data): the catalogue's words.
  const what =
    (p ? ABOUT_A_PUPIL[f.code as FindingCode] : undefined) ??
    (f.message || FINDING_CODES[f.code as FindingCode]?.[1] || f.code);
  const place =
    f.line === null ? "" : `line ${f.line}${f.column === null ? "" : `, column ${f.column}`}; `;
  const text = who ? `${who}${what}` : capital(what);
  return `${text.replace(/\.$/, "")} (${place}${f.code})`;
}

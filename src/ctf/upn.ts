/**
 * Unique Pupil Numbers: 13 characters, a check letter then LA (3), establishment (4),
 * year of allocation (2) and serial (3). A temporary UPN ends in a letter.
 */

// I, O and S are never used, so they are absent from the alphabet and never valid.
const ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ";

const SHAPE = /^[A-Z][0-9]{11}[0-9A-Z]$/;

export type UpnProblem = "length" | "characters" | "check-letter";

export interface UpnCheck {
  upn: string;
  valid: boolean;
  /** A temporary UPN ends in a letter instead of the last digit. */
  temporary: boolean;
  /** What the check letter should be, when the rest of the UPN can be weighted. */
  expectedCheckLetter?: string;
  problem?: UpnProblem;
}

function weightOf(char: string): number {
  const code = char.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  return ALPHABET.indexOf(char);
}

/** The check letter for characters 2..13, or undefined when they hold a character no UPN may. */
export function upnCheckLetter(upn: string): string | undefined {
  if (upn.length !== 13) return undefined;
  let sum = 0;
  for (let i = 1; i < 13; i++) {
    const w = weightOf(upn.charAt(i));
    if (w < 0) return undefined;
    sum += w * (i + 1);
  }
  return ALPHABET.charAt(sum % 23);
}

export function checkUpn(input: string): UpnCheck {
  const upn = input.trim().toUpperCase();
  const temporary = upn.length === 13 && /[A-Z]$/.test(upn);
  if (upn.length !== 13) return { upn, valid: false, temporary: false, problem: "length" };
  const expected = upnCheckLetter(upn);
  if (!SHAPE.test(upn) || expected === undefined || weightOf(upn.charAt(0)) < 0) {
    return { upn, valid: false, temporary, problem: "characters" };
  }
  if (upn.charAt(0) !== expected) {
    return { upn, valid: false, temporary, expectedCheckLetter: expected, problem: "check-letter" };
  }
  return { upn, valid: true, temporary, expectedCheckLetter: expected };
}

/** Builds a valid permanent UPN from its parts; used by the generator and by tests. */
export function makeUpn(laestab: string, yearOfAllocation: number, serial: number): string {
  if (!/^[0-9]{7}$/.test(laestab)) throw new RangeError(`LAESTAB must be 7 digits: ${laestab}`);
  const body = `${laestab}${String(yearOfAllocation % 100).padStart(2, "0")}${String(serial % 1000).padStart(3, "0")}`;
  const letter = upnCheckLetter(`A${body}`);
  if (letter === undefined) throw new RangeError(`cannot weight UPN body ${body}`);
  return letter + body;
}

/** Explains a failed check in words a school office can act on. */
export function describeUpnProblem(check: UpnCheck): string {
  switch (check.problem) {
    case "length":
      return `UPN "${check.upn}" has ${check.upn.length} characters; a UPN has 13`;
    case "characters":
      return `UPN "${check.upn}" is not a letter, 11 digits and a final digit or letter (I, O and S are never used)`;
    case "check-letter":
      return `UPN ${check.upn} fails its check letter (expected ${check.expectedCheckLetter}); check it was keyed correctly`;
    default:
      return `UPN ${check.upn} is valid`;
  }
}

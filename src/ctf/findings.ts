/**
 * The catalogue of what the reader and checker can find. Codes are stable: the hub stores them,
 * scripts match on them. Errors make a file unusable; warnings leave it usable.
 */

export type Severity = "error" | "warning";

export const FINDING_CODES = {
  // The bytes and the XML.
  "file.empty": ["error", "The file is empty."],
  "file.unreadable": ["error", "The file could not be opened."],
  "file.binary": ["error", "The file holds binary data, not XML."],
  "file.encoding": ["error", "The file is not UTF-8."],
  "file.too-large": ["error", "The file is larger than the reader accepts."],
  "xml.not-xml": ["error", "The file is not XML."],
  "xml.malformed": ["error", "The XML is not well formed."],
  "xml.truncated": ["error", "The file ends before the XML is complete."],
  "xml.doctype": ["error", "The file has a DOCTYPE, which CTFs never have."],
  "xml.limit": ["error", "The file goes past a safety limit (depth, size of a value, count)."],
  "xml.encoding-declared": ["warning", "The XML declaration names an encoding other than UTF-8."],
  "xml.stray-text": ["warning", "Text where only elements belong; it is ignored."],
  // The shape of a CTF.
  "ctf.root": ["error", "The root element is not CTfile."],
  "ctf.header.missing": ["error", "There is no Header."],
  "ctf.version.missing": ["error", "The header has no CTFversion."],
  "ctf.version.unsupported": ["error", "The CTF version is older than 11.0 or not a version."],
  "ctf.version.unknown": [
    "warning",
    "A CTF version this reader does not know; read as the nearest.",
  ],
  "ctf.source.missing": ["error", "The header has no sending school."],
  "ctf.source.invalid": ["error", "The sending school's LA or establishment number is malformed."],
  "ctf.dest.missing": ["error", "The header has no destination school."],
  "ctf.dest.invalid": ["error", "The destination's LA or establishment number is malformed."],
  "ctf.lost.pupil-count": ["error", "A lost-pupil (XXXXXXX) file must hold exactly one pupil."],
  "ctf.no-pupils": ["warning", "The file holds no pupils."],
  "element.unknown": ["warning", "An element this reader does not know; it is kept as it is."],
  "element.duplicate": ["warning", "An element given twice; the first is used, the rest kept."],
  "value.empty": ["warning", "An element with no value."],
  "value.spaces": ["warning", "A value with spaces before or after it; they are trimmed."],
  // The file name.
  "file.name.format": ["warning", "The file name does not follow SSSSSSS_CTF_DDDDDDD_NNN.XML."],
  "file.name.mismatch": ["error", "The file name names other schools than the header."],
  // A pupil.
  "pupil.surname.missing": ["error", "A pupil has no surname."],
  "pupil.forename.missing": ["error", "A pupil has no forename."],
  "pupil.dob.missing": ["error", "A pupil has no date of birth."],
  "pupil.dob.invalid": ["error", "A pupil's date of birth is not a date (YYYY-MM-DD)."],
  "pupil.sex.missing": ["error", "A pupil has no sex (Gender before CTF 25)."],
  "pupil.upn.missing": ["warning", "A pupil has no UPN."],
  "pupil.upn.invalid": ["warning", "A UPN that is malformed or fails its check letter."],
  "pupil.former-upn.invalid": [
    "warning",
    "A former UPN that is malformed or fails its check letter.",
  ],
  "pupil.upn.duplicate": ["warning", "Two pupils in one file share a UPN."],
  "pupil.nc-year.mismatch": ["warning", "The date of birth does not fit the NC year."],
  "pupil.name.capitals": ["warning", "A name written all in capitals."],
  "pupil.name.markup": ["warning", "A name holding markup or other characters no name has."],
  "code.unknown": ["warning", "A code this reader does not know."],
  "address.pattern": [
    "warning",
    "A PAON or SAON that does not follow the BS7666 fixed-width pattern.",
  ],
  "format.invalid": ["warning", "A URN, ULN, UCI or postcode that is not in its standard format."],
  "date.invalid": ["warning", "A date that is malformed or impossible."],
  "date.future": ["warning", "A date in the future where only past dates make sense."],
} as const satisfies Record<string, readonly [Severity, string]>;

export type FindingCode = keyof typeof FINDING_CODES;

export interface PupilRef {
  /** 1-based position of the pupil in the file. */
  position: number;
  upn?: string;
  /** "Surname Forename", as the file gives them, so that a person can tell who is meant. */
  name?: string;
}

export interface Finding {
  severity: Severity;
  code: FindingCode;
  message: string;
  line?: number;
  column?: number;
  pupil?: PupilRef;
}

export interface Where {
  line?: number;
  column?: number;
  pupil?: PupilRef;
}

/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps a slice of a
 * string as a view of the whole, so one UPN kept from a 64 KB chunk keeps the chunk alive;
 * anything kept beyond one pupil must be detached, or memory grows with the file.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

export function finding(code: FindingCode, message: string, where: Where = {}): Finding {
  const f: Finding = { severity: FINDING_CODES[code][0], code, message: detach(message) };
  if (where.line !== undefined) f.line = where.line;
  if (where.column !== undefined) f.column = where.column;
  if (where.pupil !== undefined) {
    f.pupil = { position: where.pupil.position };
    if (where.pupil.upn !== undefined) f.pupil.upn = detach(where.pupil.upn);
    if (where.pupil.name !== undefined) f.pupil.name = detach(where.pupil.name);
  }
  return f;
}

/**
 * Keeps findings in the order found, but at most `perCode` of each code, so memory stays flat
 * on a huge file where every pupil repeats the same fault; counts are kept for all of them.
 */
export class FindingList {
  readonly items: Finding[] = [];
  errorCount = 0;
  warningCount = 0;
  private readonly perCodeCount = new Map<FindingCode, number>();

  constructor(private readonly perCode = 100) {}

  add(f: Finding): void {
    if (f.severity === "error") this.errorCount++;
    else this.warningCount++;
    const n = (this.perCodeCount.get(f.code) ?? 0) + 1;
    this.perCodeCount.set(f.code, n);
    if (n <= this.perCode) this.items.push(f);
  }

  /** How many findings of each code were counted but not kept. */
  omitted(): { code: FindingCode; count: number }[] {
    const out: { code: FindingCode; count: number }[] = [];
    for (const [code, n] of this.perCodeCount) {
      if (n > this.perCode) out.push({ code, count: n - this.perCode });
    }
    return out;
  }
}

/** A finding as JSON: the shape `s2s ctf validate --json` prints and the hub stores. */
export interface FindingJson {
  code: string;
  message: string;
  line: number | null;
  column: number | null;
  pupil: PupilRef | null;
}

export function findingJson(f: Finding): FindingJson {
  return {
    code: f.code,
    message: f.message,
    line: f.line ?? null,
    column: f.column ?? null,
    pupil: f.pupil ?? null,
  };
}

export function formatFinding(file: string, f: Finding): string {
  const at = f.line === undefined ? file : `${file}:${f.line}:${f.column ?? 1}`;
  const who = f.pupil ? ` [pupil ${f.pupil.position}${f.pupil.upn ? ` ${f.pupil.upn}` : ""}]` : "";
  return `${at}: ${f.severity} ${f.code}: ${f.message}${who}`;
}

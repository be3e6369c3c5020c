/**
 * The rules a CTF must meet, applied as the reader hands over the header and each pupil, so a
 * file of any size is checked in one pass. Messages name the element and say what to fix.
 */

import { CODE_SETS, checkCode, codeSetOf } from "./code-sets.js";
import {
  baseName,
  destinationKind,
  LOST_PUPILS,
  normaliseLaestab,
  parseCtfFileName,
} from "./filename.js";
import { detach, type Finding, type FindingCode, finding, type PupilRef } from "./findings.js";
import type { Locations, SourcePos } from "./locations.js";
import type { Header, Pupil, SchoolRef } from "./model.js";
import { checkUpn, describeUpnProblem } from "./upn.js";
import { academicYearOf, NEWEST_VERSION, OLDEST_VERSION, versionNumber } from "./version.js";

export interface CheckOptions {
  /** The file's name, to compare with the header. */
  fileName?: string;
  /** Today, for dates in the future. */
  now?: Date;
}

const SEX = new Set(["M", "F"]);
const BOOLEAN = new Set(["true", "false", "1", "0"]);
const QUALIFIER = new Set(["full", "partial"]);
/** Each NC year that follows from age, by its distance from Reception; M and X do not. */
const NC_YEARS: Record<string, number> = { E1: -4, E2: -3, N1: -2, N2: -1, R: 0 };
for (let y = 1; y <= 14; y++) NC_YEARS[String(y)] = y;

/** The date a YYYY-MM-DD string names, or undefined if it is malformed or impossible. */
export function parseDate(value: string): Date | undefined {
  return isDate(value) ? new Date(`${value}T00:00:00Z`) : undefined;
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether a YYYY-MM-DD string is a real date, read digit by digit: a file has several dates a
 * pupil, and a pattern and a Date object for each cost more than the rest of checking them.
 */
export function isDate(v: string): boolean {
  if (v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    y = y * 10 + c;
  }
  const m1 = v.charCodeAt(5) - 48;
  const m2 = v.charCodeAt(6) - 48;
  const d1 = v.charCodeAt(8) - 48;
  const d2 = v.charCodeAt(9) - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const month = m1 * 10 + m2;
  const day = d1 * 10 + d2;
  // Years before 100 were never real dates here (a Date reads them as 19xx).
  if (y < 100 || month < 1 || month > 12 || day < 1) return false;
  if (month === 2 && day === 29) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return day <= (DAYS[month - 1] as number);
}

/** The NC year a pupil born on `dob` is in during the academic year starting in `academicYear`. */
export function expectedNcYear(dob: Date, academicYear: number): number {
  // Children born from 1 September to 31 August start Reception together.
  const cohort = dob.getUTCMonth() >= 8 ? dob.getUTCFullYear() : dob.getUTCFullYear() - 1;
  return academicYear - 5 - cohort;
}

function ncYearName(n: number): string {
  return n === 0 ? "R" : n < -2 ? `E${n + 5}` : n < 0 ? `N${n + 3}` : String(n);
}

function laestabOf(school: SchoolRef | undefined): string | undefined {
  if (school?.lea === undefined || school.estab === undefined) return undefined;
  return normaliseLaestab(`${school.lea}${school.estab}`);
}

/**
 * BS7666 PAON and SAON: a 4-character number, a suffix, a 4-character range end, a suffix,
 * then a description (CTF.md).
 */
const BS7666 = /^[0-9 ]{4}([a-zA-Z ][0-9 ]{4}[a-zA-Z ][a-zA-Z0-9:;<=>?@%&'()*+,\-. ]{0,90})?$/;
const URN = /^[0-9]{6}$/;
const ULN = /^[1-9][0-9]{9}$/;
const UCI = /^[0-9A-Z]{13}$/;
// Outward code (area, district) and inward code (sector, unit), as Royal Mail writes them.
const POSTCODE = /^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$/i;

/** A file from a DfE service (Get Information About Pupils, the MTC) rather than a school. */
function fromDfeService(h: Header | undefined): boolean {
  return h?.sourceSchool?.lea === "XXX" && h.sourceSchool.estab === "XXXX";
}

function isCapitals(name: string): boolean {
  return name.length > 1 && /[A-Z]{2}/.test(name) && name === name.toUpperCase();
}

export class CtfChecker {
  private readonly now: Date;
  private academicYear: number | undefined;
  private version: number | undefined;
  private headerSeen: Header | undefined;
  private readonly upns = new Map<string, number>();

  constructor(
    private readonly sink: (f: Finding) => void,
    private readonly options: CheckOptions = {},
  ) {
    this.now = options.now ?? new Date();
  }

  header(h: Header, loc: Locations): void {
    this.headerSeen = h;
    this.version = h.version === undefined ? undefined : versionNumber(h.version);
    const at = (obj: object | undefined, key?: string) => loc.of(obj, key) ?? loc.of(h);
    this.checkVersion(h, at(h, "version"));
    // CBDS (D00117) writes FULL and PARTIAL; files write them in lower case.
    if (h.documentQualifier !== undefined && !QUALIFIER.has(h.documentQualifier.toLowerCase())) {
      this.add(
        "code.unknown",
        `DocumentQualifier "${h.documentQualifier}" is neither full nor partial`,
        at(h, "documentQualifier"),
      );
    }
    if (h.dataQualifier !== undefined && !checkCode(CODE_SETS.partialType, h.dataQualifier).ok) {
      this.add(
        "code.unknown",
        `DataQualifier "${h.dataQualifier}" is not a type of partial CTF (FSP, KS1, KS2, KS3, ULN, FSM, PHO)`,
        at(h, "dataQualifier"),
      );
    }
    if (h.dateTime !== undefined) {
      const d = parseDate(h.dateTime.slice(0, 10));
      if (
        d === undefined ||
        !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?/.test(h.dateTime)
      ) {
        this.add(
          "date.invalid",
          `DateTime "${h.dateTime}" is not a date and time`,
          at(h, "dateTime"),
        );
      }
    }
    const source = h.sourceSchool;
    if (source === undefined)
      this.add("ctf.source.missing", "the header has no <SourceSchool>", at(h));
    else if (fromDfeService(h)) {
      // A partial CTF from a DfE service: valid, for a school to import. The hub still refuses
      // it as an upload, as no school is XXXXXXX (its sender must match its uploader).
    } else if (
      !/^[0-9]{3}$/.test(source.lea ?? "") ||
      !/^([0-9]{4}|LLLL)$/.test(source.estab ?? "")
    ) {
      this.add(
        "ctf.source.invalid",
        `SourceSchool LEA "${source.lea ?? ""}" and Estab "${source.estab ?? ""}" must be 3 and 4 digits`,
        at(source),
      );
    }
    const dest = h.destSchool;
    const destLaestab = laestabOf(dest);
    if (dest === undefined) this.add("ctf.dest.missing", "the header has no <DestSchool>", at(h));
    else if (destLaestab === undefined || destinationKind(destLaestab) === undefined) {
      this.add(
        "ctf.dest.invalid",
        `DestSchool LEA "${dest.lea ?? ""}" and Estab "${dest.estab ?? ""}" must be 3 and 4 digits, or XXX/XXXX for a lost pupil, or MMM/MMMM out of sector`,
        at(dest),
      );
    }
    for (const [school, label] of [
      [source, "SourceSchool"],
      [dest, "DestSchool"],
    ] as const) {
      // The sender may not know the destination's URN: XXXXXX or nothing, then.
      const urn = school?.urn;
      if (urn && urn !== "XXXXXX" && !URN.test(urn))
        this.add("format.invalid", `${label} URN "${urn}" is not 6 digits`, at(school, "urn"));
    }
    this.academicYear = this.academicYearOf(h);
    this.checkFileName(h, at(h));
  }

  pupil(p: Pupil, position: number, loc: Locations): void {
    const ref: PupilRef = p.upn ? { position, upn: p.upn } : { position };
    const name = [p.surname, p.forename].filter(Boolean).join(" ");
    if (name) ref.name = name;
    const at = (obj: object | undefined, key?: string) => loc.of(obj, key) ?? loc.of(p);
    const add = (code: FindingCode, message: string, pos: SourcePos | undefined) =>
      this.add(code, message, pos, ref);

    if (!p.surname) add("pupil.surname.missing", "the pupil has no <Surname>", at(p, "surname"));
    if (!p.forename)
      add("pupil.forename.missing", "the pupil has no <Forename>", at(p, "forename"));
    for (const [key, value] of [
      ["surname", p.surname],
      ["forename", p.forename],
      ["preferredSurname", p.basicDetails?.preferredSurname],
      ["preferredForename", p.basicDetails?.preferredForename],
    ] as const) {
      // `<b>Smith</b>` (escaped in the XML) is markup someone pasted, not a name: a page that
      // showed it unescaped would run it, and the MIS would keep it.
      if (value && /[<>{}\\|]|&[#\w]+;/.test(value)) {
        const holder = key.startsWith("preferred") ? p.basicDetails : p;
        add(
          "pupil.name.markup",
          `name "${value}" holds markup or characters no name has (< > { } \\ |); write the name alone`,
          at(holder, key),
        );
      }
      if (value && isCapitals(value)) {
        const holder = key.startsWith("preferred") ? p.basicDetails : p;
        add(
          "pupil.name.capitals",
          `name "${value}" is all in capitals; write it as the family writes it`,
          at(holder, key),
        );
      }
    }

    let dob: Date | undefined;
    if (!p.dob) add("pupil.dob.missing", "the pupil has no <DOB> (date of birth)", at(p, "dob"));
    else {
      dob = parseDate(p.dob);
      if (dob === undefined)
        add("pupil.dob.invalid", `DOB "${p.dob}" is not a real date as YYYY-MM-DD`, at(p, "dob"));
      else if (dob > this.now) add("date.future", `DOB ${p.dob} is in the future`, at(p, "dob"));
    }

    if (!p.sex)
      add("pupil.sex.missing", "the pupil has no <Sex> (<Gender> before CTF 25)", at(p, "sex"));
    else if (!SEX.has(p.sex)) add("code.unknown", `Sex "${p.sex}" is not M or F`, at(p, "sex"));

    if (!p.upn) add("pupil.upn.missing", "the pupil has no <UPN>", at(p));
    else {
      const check = checkUpn(p.upn);
      if (!check.valid) add("pupil.upn.invalid", describeUpnProblem(check), at(p, "upn"));
      const first = this.upns.get(check.upn);
      if (first !== undefined) {
        add(
          "pupil.upn.duplicate",
          `UPN ${check.upn} is also pupil ${first}'s in this file`,
          at(p, "upn"),
        );
      } else this.upns.set(detach(check.upn), position);
    }

    const bd = p.basicDetails;
    if (bd) {
      if (bd.formerUpn) {
        const check = checkUpn(bd.formerUpn);
        if (!check.valid) {
          add(
            "pupil.former-upn.invalid",
            `former ${describeUpnProblem(check)}`,
            at(bd, "formerUpn"),
          );
        }
      }
      if (bd.medicalFlag && !BOOLEAN.has(bd.medicalFlag)) {
        add(
          "code.unknown",
          `MedicalFlag "${bd.medicalFlag}" is not true or false`,
          at(bd, "medicalFlag"),
        );
      }
      if (bd.ncYearActual) this.checkNcYear(bd.ncYearActual, dob, at(bd, "ncYearActual"), add);
    }
    if (p.lookedAfter?.inCare && !BOOLEAN.has(p.lookedAfter.inCare)) {
      add(
        "code.unknown",
        `InCare "${p.lookedAfter.inCare}" is not true or false`,
        at(p.lookedAfter, "inCare"),
      );
    }
    for (const c of p.contacts ?? []) {
      if (c.responsibility && !BOOLEAN.has(c.responsibility)) {
        add(
          "code.unknown",
          `a contact's Responsibility "${c.responsibility}" is not true or false`,
          at(c, "responsibility"),
        );
      }
    }
    this.checkDates(p, at, add);
    this.checkFormats(p, at, add);
    this.checkCodes(p, (obj, key, item, value) => {
      const set = codeSetOf(item);
      if (set === undefined) return;
      const verdict = checkCode(set, value, this.version);
      if (verdict.ok) return;
      const why = verdict.retired
        ? `is no longer used (${verdict.retired})`
        : verdict.misplaced
          ? `does not belong here: ${verdict.misplaced}`
          : `is not a known ${set.name} code`;
      const near =
        verdict.nearest.length > 0 ? `; nearest known: ${verdict.nearest.join(", ")}` : "";
      add("code.unknown", `${item} "${value}" ${why}${near}`, at(obj, key));
    });
  }

  private checkFormats(
    p: Pupil,
    at: (obj: object | undefined, key?: string) => SourcePos | undefined,
    add: (code: FindingCode, message: string, pos: SourcePos | undefined) => void,
  ): void {
    if (p.uln && !ULN.test(p.uln))
      add("format.invalid", `UniqueLearnerNumber "${p.uln}" is not 10 digits`, at(p, "uln"));
    if (p.uci && !UCI.test(p.uci))
      add("format.invalid", `UCI "${p.uci}" is not 13 letters and digits`, at(p, "uci"));
    const addresses = [p.address, ...(p.contacts ?? []).map((c) => c.address)];
    for (const a of addresses) {
      if (a === undefined) continue;
      // A postcode abroad goes in Zip; PostCode holds a UK one.
      if (a.postCode && !POSTCODE.test(a.postCode.trim()))
        add("format.invalid", `PostCode "${a.postCode}" is not a UK postcode`, at(a, "postCode"));
      const bs = a.bs7666;
      for (const key of ["saon", "paon"] as const) {
        const v = bs?.[key];
        if (v !== undefined && v !== "" && !BS7666.test(v))
          add(
            "address.pattern",
            `${key.toUpperCase()} "${v}" does not follow the BS7666 pattern: 4 characters of number, a suffix, 4 of range end, a suffix, then the name (e.g. "  11      ")`,
            at(bs, key),
          );
      }
    }
    // SIMS writes XXXXXX for a school whose URN it does not know, as senders do in DestSchool.
    for (const s of [...(p.schoolHistory ?? []), ...(p.attendance ?? [])])
      if (s.urn && s.urn !== "XXXXXX" && !URN.test(s.urn))
        add("format.invalid", `URN "${s.urn}" is not 6 digits`, at(s, "urn"));
  }

  /** Hands every coded value of a pupil to `check`, with the element that holds it. */
  private checkCodes(
    p: Pupil,
    check: (obj: object, key: string, item: string, value: string) => void,
  ): void {
    const bd = p.basicDetails;
    if (bd) {
      if (bd.ethnicity) check(bd, "ethnicity", "Ethnicity", bd.ethnicity);
      if (bd.ethnicitySource) check(bd, "ethnicitySource", "EthnicitySource", bd.ethnicitySource);
      if (bd.enrolStatus) check(bd, "enrolStatus", "EnrolStatus", bd.enrolStatus);
      if (bd.serviceChild) check(bd, "serviceChild", "ServiceChild", bd.serviceChild);
      for (const l of bd.languages ?? []) {
        if (l.language) check(l, "language", "Language", l.language);
        if (l.languageType) check(l, "languageType", "LanguageType", l.languageType);
      }
      for (const d of bd.disabilities ?? []) check(bd, "disabilities", "Disability", d);
    }
    for (const s of p.senHistory?.provisions ?? [])
      if (s.provision) check(s, "provision", "SENprovision", s.provision);
    for (const n of p.senHistory?.needs ?? []) if (n.type) check(n, "type", "SENtype", n.type);
    for (const f of p.fsmHistory?.instances ?? [])
      if (f.ukCountry) check(f, "ukCountry", "UKcountry", f.ukCountry);
    for (const c of p.contacts ?? []) {
      if (c.relationship) check(c, "relationship", "Relationship", c.relationship);
      for (const ph of c.phones ?? []) if (ph.type) check(ph, "type", "TelephoneType", ph.type);
    }
    for (const ph of p.phones ?? []) if (ph.type) check(ph, "type", "TelephoneType", ph.type);
    for (const s of p.schoolHistory ?? [])
      if (s.leavingReason) check(s, "leavingReason", "LeavingReason", s.leavingReason);
    for (const ks of p.stageAssessments ?? []) {
      if (ks.stage) check(ks, "stage", "Stage", ks.stage);
      for (const a of ks.assessments ?? []) {
        if (a.method) check(a, "method", "Method", a.method);
        if (a.component) check(a, "component", "Component", a.component);
        if (a.resultStatus) check(a, "resultStatus", "ResultStatus", a.resultStatus);
        if (a.resultQualifier) check(a, "resultQualifier", "ResultQualifier", a.resultQualifier);
        if (a.locale) check(a, "locale", "Locale", a.locale);
      }
    }
  }

  /** File-level rules, once the whole file has been read. */
  end(pupilCount: number): void {
    const h = this.headerSeen;
    if (h === undefined) {
      this.add("ctf.header.missing", "the file has no <Header>", undefined);
      return;
    }
    const dest = laestabOf(h.destSchool);
    // A DfE service writes XXXXXXX as the destination for users who are not a school: that is
    // a download for them, not a lost pupil's file.
    if (dest === LOST_PUPILS && pupilCount !== 1 && !fromDfeService(h)) {
      this.add(
        "ctf.lost.pupil-count",
        `a file for an unknown destination (XXXXXXX) must hold exactly one pupil; this one holds ${pupilCount}`,
        undefined,
      );
    } else if (pupilCount === 0) {
      this.add("ctf.no-pupils", "the file holds no pupils", undefined);
    }
  }

  private add(
    code: FindingCode,
    message: string,
    pos: SourcePos | undefined,
    pupil?: PupilRef,
  ): void {
    this.sink(finding(code, message, { line: pos?.line, column: pos?.column, pupil }));
  }

  private checkVersion(h: Header, pos: SourcePos | undefined): void {
    if (h.version === undefined || h.version === "") {
      this.add("ctf.version.missing", "the header has no <CTFversion>", pos);
      return;
    }
    const v = versionNumber(h.version);
    if (v === undefined || v < OLDEST_VERSION) {
      this.add(
        "ctf.version.unsupported",
        `CTFversion "${h.version}" is not supported; versions ${OLDEST_VERSION}.0 onwards are`,
        pos,
      );
    } else if (v >= NEWEST_VERSION + 1) {
      this.add(
        "ctf.version.unknown",
        `CTFversion ${h.version} is newer than this reader knows; read as ${NEWEST_VERSION}.0`,
        pos,
      );
    }
  }

  private academicYearOf(h: Header): number | undefined {
    const declared = Number(h.sourceSchool?.academicYear);
    if (Number.isInteger(declared) && declared > 1990) return declared;
    const made = h.dateTime ? parseDate(h.dateTime.slice(0, 10)) : undefined;
    if (made === undefined) return undefined;
    return academicYearOf(made);
  }

  private checkFileName(h: Header, pos: SourcePos | undefined): void {
    if (this.options.fileName === undefined) return;
    const name = baseName(this.options.fileName);
    const parsed = parseCtfFileName(name);
    if (!parsed.ok) {
      this.add("file.name.format", parsed.reason, undefined);
      return;
    }
    const source = laestabOf(h.sourceSchool);
    const dest = laestabOf(h.destSchool);
    if (source !== undefined && source !== parsed.name.source) {
      this.add(
        "file.name.mismatch",
        `the file name says it is from ${parsed.name.source} but the header's SourceSchool is ${source}`,
        pos,
      );
    }
    if (dest !== undefined && dest !== parsed.name.destination) {
      this.add(
        "file.name.mismatch",
        `the file name says it is for ${parsed.name.destination} but the header's DestSchool is ${dest}`,
        pos,
      );
    }
  }

  private checkNcYear(
    value: string,
    dob: Date | undefined,
    pos: SourcePos | undefined,
    add: (code: FindingCode, message: string, pos: SourcePos | undefined) => void,
  ): void {
    const verdict = checkCode(CODE_SETS.ncYear, value);
    if (!verdict.ok) {
      add("code.unknown", `NCyearActual "${value}" is not E1, E2, N1, N2, R, 1 to 14, M or X`, pos);
      return;
    }
    const actual = NC_YEARS[value];
    if (actual === undefined) return;
    if (dob === undefined || this.academicYear === undefined) return;
    const expected = expectedNcYear(dob, this.academicYear);
    if (expected !== actual) {
      const ay = `${this.academicYear}/${String((this.academicYear + 1) % 100).padStart(2, "0")}`;
      add(
        "pupil.nc-year.mismatch",
        `a pupil born ${dob.toISOString().slice(0, 10)} is in year ${ncYearName(expected)} in ${ay}, but NCyearActual is ${value}`,
        pos,
      );
    }
  }

  private checkDates(
    p: Pupil,
    at: (obj: object | undefined, key?: string) => SourcePos | undefined,
    add: (code: FindingCode, message: string, pos: SourcePos | undefined) => void,
  ): void {
    const check = (obj: object, key: string, value: string | undefined, label: string) => {
      if (value && !isDate(value)) {
        add("date.invalid", `${label} "${value}" is not a real date as YYYY-MM-DD`, at(obj, key));
      }
    };
    for (const f of p.fsmHistory?.instances ?? []) {
      check(f, "startDate", f.startDate, "FSMstartDate");
      check(f, "endDate", f.endDate, "FSMendDate");
    }
    for (const s of p.senHistory?.provisions ?? []) {
      check(s, "startDate", s.startDate, "SEN StartDate");
      check(s, "endDate", s.endDate, "SEN EndDate");
    }
    for (const y of p.attendance ?? []) {
      const sessions = y.attendSessions;
      if (sessions) check(sessions, "startDate", sessions.startDate, "AttendanceStartDate");
    }
    for (const s of p.schoolHistory ?? []) {
      check(s, "entryDate", s.entryDate, "EntryDate");
      check(s, "leavingDate", s.leavingDate, "LeavingDate");
    }
    for (const ks of p.stageAssessments ?? []) {
      for (const a of ks.assessments ?? []) check(a, "resultDate", a.resultDate, "ResultDate");
    }
  }
}

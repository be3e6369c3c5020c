/**
 * Synthetic pupils for tests, demos and benchmarks: realistic enough to exercise every part of
 * a CTF, valid by our own checker, and the same for the same seed. Never real people: phone
 * numbers come from Ofcom's ranges kept for drama, e-mail addresses from reserved domains.
 */
import { base, en, en_GB, Faker } from "@faker-js/faker";
import { expectedNcYear } from "./checker.js";
import { BOYS, GIRLS, paon, postcode, SURNAMES, schoolName, TOWNS } from "./england.js";
import {
  destinationKind,
  isSourceLaestab,
  LOST_PUPILS,
  normaliseLaestab,
  OUT_OF_SECTOR,
} from "./filename.js";
import type {
  Contact,
  CtfDocument,
  Header,
  KeyStage,
  Pupil,
  SchoolHistoryEntry,
  SchoolRef,
} from "./model.js";
import { makeUpn } from "./upn.js";
import { academicYearOf, versionForYear } from "./version.js";

export interface GenerateOptions {
  /** Sending school's LAESTAB (or an LA's 926LLLL). */
  from: string;
  /** Destination LAESTAB, XXXXXXX (lost pupil) or MMMMMMM (out of sector). */
  to: string;
  pupils: number;
  seed?: number;
  /** Academic year the file is made in (2025 for 2025/26); from `now` when not given. */
  academicYear?: number;
  /** NC years to draw pupils from; 1 to 11 when not given. */
  ncYears?: number[];
  version?: string;
  /** When the file is made; the header's DateTime. */
  now?: Date;
  /** The sending school's own name, when it is known (from the directory, say). */
  schoolName?: string;
}

const ETHNICITIES = [
  "WBRI",
  "WBRI",
  "WBRI",
  "WIRI",
  "WOTH",
  "MWBC",
  "AIND",
  "APKN",
  "ABAN",
  "BAFR",
  "BCRB",
  "CHNE",
  "OOTH",
];
const SEN_TYPES = ["SPLD", "MLD", "SLCN", "ASD", "SEMH", "VI", "HI", "PD"];
const LANGUAGES = ["ENG", "ENG", "ENG", "ENG", "ENG", "POL", "URD", "PNJ", "BNG", "ARA", "SOM"];

const iso = (d: Date) => d.toISOString().slice(0, 10);
const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

function splitLaestab(laestab: string): { lea: string; estab: string } {
  return { lea: laestab.slice(0, 3), estab: laestab.slice(3) };
}

export function generateHeader(options: GenerateOptions): Header {
  const faker = newFaker(options.seed);
  const to = normaliseLaestab(options.to);
  if (!isSourceLaestab(options.from))
    throw new RangeError(`--from must be a LAESTAB such as 8231234: ${options.from}`);
  const kind = destinationKind(to);
  if (kind === undefined)
    throw new RangeError(
      `--to must be a LAESTAB, ${LOST_PUPILS} or ${OUT_OF_SECTOR}: ${options.to}`,
    );
  if (kind === "lost" && options.pupils !== 1) {
    throw new RangeError(
      `a file for an unknown destination (${LOST_PUPILS}) holds exactly one pupil`,
    );
  }
  const now = options.now ?? new Date();
  const ay = options.academicYear ?? academicYearOf(now);
  const town = faker.helpers.arrayElement(TOWNS);
  const pick = <T>(items: readonly T[]): T => faker.helpers.arrayElement(items);
  return {
    documentName: "Common Transfer File",
    version: options.version ?? versionForYear(ay),
    dateTime: `${iso(now)}T09:00:00`,
    documentQualifier: "full",
    supplierId: "S2S",
    sourceSchool: {
      ...splitLaestab(options.from),
      urn: String(faker.number.int({ min: 100000, max: 149999 })),
      schoolName: options.schoolName ?? schoolName(pick, town),
      academicYear: String(ay),
    },
    destSchool: {
      ...splitLaestab(to),
      ...(kind === "school" ? { urn: String(faker.number.int({ min: 100000, max: 149999 })) } : {}),
    },
  };
}

function newFaker(seed = 1): Faker {
  return new Faker({ locale: [en_GB, en, base], seed });
}

/** Pupils one at a time, so a file of any size can be written without holding it. */
export function* generatePupils(
  options: GenerateOptions,
  header: Header = generateHeader(options),
): Generator<Pupil> {
  // Its own stream of draws, so the pupils do not depend on how the header was made.
  const faker = newFaker((options.seed ?? 1) + 1);
  const school = header.sourceSchool ?? {};
  const now = options.now ?? new Date();
  const ay = options.academicYear ?? academicYearOf(now);
  const ncYears = options.ncYears ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const { lea, estab } = splitLaestab(options.from);
  const estabBase = Number.isNaN(Number(estab)) ? 2000 : Number(estab);
  for (let i = 0; i < options.pupils; i++) {
    yield makePupil(faker, i, {
      ay,
      lea,
      estabBase,
      ncYear: faker.helpers.arrayElement(ncYears),
      from: options.from,
      now,
      school,
    });
  }
}

interface PupilContext {
  ay: number;
  lea: string;
  estabBase: number;
  ncYear: number;
  from: string;
  now: Date;
  school: SchoolRef;
}

function drama(faker: Faker, kind: "home" | "mobile"): string {
  const n = String(faker.number.int({ min: 0, max: 999 })).padStart(3, "0");
  return kind === "mobile" ? `07700 900${n}` : `01632 960${n}`;
}

function makePupil(faker: Faker, index: number, c: PupilContext): Pupil {
  const pick = <T>(items: readonly T[]): T => faker.helpers.arrayElement(items);
  const sex = pick(["M", "F"] as const);
  const surname = pick(SURNAMES);
  const forename = pick(sex === "M" ? BOYS : GIRLS);
  // Born in the 12 months that put the pupil in NC year c.ncYear this academic year.
  const cohort = c.ay - 5 - c.ncYear;
  const dob = faker.date.between({ from: utc(cohort, 9, 1), to: utc(cohort + 1, 8, 31) });
  const dobDay = utc(dob.getUTCFullYear(), dob.getUTCMonth() + 1, dob.getUTCDate());
  if (expectedNcYear(dobDay, c.ay) !== c.ncYear)
    throw new Error("generator: DOB does not fit NC year");
  // UPNs stay unique across a file: each thousand pupils takes the next allocating school.
  const allocatingEstab = String((c.estabBase + Math.floor(index / 1000)) % 10000).padStart(4, "0");
  const upn = makeUpn(`${c.lea}${allocatingEstab}`, cohort + 5, index % 1000);
  const startedSchool = utc(cohort + 5, 9, faker.number.int({ min: 2, max: 9 }));
  // Something since starting school, by last July (a Reception pupil's: since this September).
  const sinceStart = {
    from: startedSchool,
    to: new Date(Math.max(utc(c.ay, 7, 1).getTime(), startedSchool.getTime() + 86_400_000)),
  };
  const town = pick(TOWNS);

  const pupil: Pupil = {
    upn,
    surname,
    forename,
    dob: iso(dobDay),
    sex,
    basicDetails: {
      preferredSurname: surname,
      preferredForename: forename,
      ...(faker.datatype.boolean(0.4) ? { middleNames: pick(sex === "M" ? BOYS : GIRLS) } : {}),
      // Reception is year 0 by age, written R.
      ncYearActual: c.ncYear === 0 ? "R" : String(c.ncYear),
      ethnicity: faker.helpers.arrayElement(ETHNICITIES),
      ethnicitySource: "P",
      languages: [{ languageType: "F", language: faker.helpers.arrayElement(LANGUAGES) }],
      serviceChild: faker.datatype.boolean(0.02) ? "Y" : "N",
      medicalFlag: String(faker.datatype.boolean(0.1)),
      enrolStatus: "C",
    },
  };
  if (faker.datatype.boolean(0.2)) {
    const start = faker.date.between(sinceStart);
    pupil.fsmHistory = {
      reviewDate: `${c.ay + 1}-03-31`,
      instances: [{ startDate: iso(start), ukCountry: "ENG" }],
    };
  }
  if (faker.datatype.boolean(0.02)) pupil.lookedAfter = { inCare: "true", careAuthority: c.lea };
  if (faker.datatype.boolean(0.15)) {
    const start = iso(faker.date.between(sinceStart));
    pupil.senHistory = {
      provisions: [{ startDate: start, provision: faker.helpers.arrayElement(["K", "E"]) }],
      needs: [{ startDate: start, type: faker.helpers.arrayElement(SEN_TYPES), rank: "1" }],
    };
  }
  pupil.address = {
    bs7666: {
      paon: paon(faker.number.int({ min: 1, max: 240 })),
      street: faker.location.street(),
      town: town.name,
      postTown: town.name,
    },
    county: town.county,
    postCode: postcode(pick, faker.number.int({ min: 1, max: 9 }), town),
    country: "United Kingdom",
  };
  pupil.phones = [{ type: "H", number: drama(faker, "home") }];
  pupil.contacts = makeContacts(faker, surname);
  pupil.attendance = [attendance(faker, c)];
  const stages = assessments(faker, c);
  if (stages.length > 0) pupil.stageAssessments = stages;
  pupil.schoolHistory = history(faker, c, startedSchool);
  return pupil;
}

function makeContacts(faker: Faker, surname: string): Contact[] {
  const parents: [string, "M" | "F", string][] = [
    ["PAM", "F", "Mrs"],
    ["PAF", "M", "Mr"],
  ];
  const count = faker.helpers.arrayElement([1, 2, 2, 2]);
  return parents.slice(0, count).map(([relationship, sex, title], i) => {
    const forename = faker.helpers.arrayElement(sex === "M" ? BOYS : GIRLS);
    return {
      order: String(i + 1),
      title,
      surname,
      forename,
      sex,
      relationship,
      responsibility: "true",
      address: { addressAsPupil: "true" },
      phones: [{ type: "M", number: drama(faker, "mobile") }],
      // Reserved for examples (RFC 2606): never anyone's address.
      email: `${forename}.${surname}${faker.number.int({ min: 1, max: 99 })}@example.org`
        .toLowerCase()
        .replace(/[^a-z0-9.@]/g, ""),
    };
  });
}

function attendance(faker: Faker, c: PupilContext) {
  const possible = faker.number.int({ min: 100, max: 380 });
  const authorised = faker.number.int({ min: 0, max: Math.floor(possible * 0.06) });
  const unauthorised = faker.number.int({ min: 0, max: Math.floor(possible * 0.02) });
  return {
    year: String(c.ay),
    lea: c.lea,
    estab: c.from.slice(3),
    ...(c.school.urn ? { urn: c.school.urn } : {}),
    ...(c.school.schoolName ? { schoolName: c.school.schoolName } : {}),
    sessionsPossible: String(possible),
    sessionsAuthorised: String(authorised),
    sessionsAttended: String(possible - authorised - unauthorised),
    sessionsUnauthorised: String(unauthorised),
    // The first fortnight, session by session: / present (morning), \ present (afternoon).
    ...(faker.datatype.boolean(0.3)
      ? {
          attendSessions: {
            startDate: `${c.ay}-09-0${faker.number.int({ min: 1, max: 7 })}`,
            marks: Array.from({ length: 10 }, () =>
              faker.helpers.arrayElement(["/\\", "/\\", "/\\", "/\\", "I\\", "/L", "MM"]),
            ).join(""),
          },
        }
      : {}),
  };
}

function assessments(faker: Faker, c: PupilContext): KeyStage[] {
  const cohort = c.ay - 5 - c.ncYear;
  const stages: KeyStage[] = [];
  const eyfYear = cohort + 6;
  if (eyfYear <= c.ay && eyfYear < c.now.getUTCFullYear()) {
    stages.push({
      stage: "EYF",
      assessments: ["COM", "PHY", "PSE", "LIT", "MAT"].map((subject) => ({
        locale: "ENG",
        year: String(eyfYear),
        subject,
        method: "FA",
        component: "G01",
        resultStatus: "R",
        resultQualifier: "FD",
        result: faker.helpers.arrayElement(["1", "2", "2", "2"]),
        resultDate: `${eyfYear}-06-15`,
      })),
    });
  }
  const ks2Year = cohort + 12;
  if (ks2Year <= c.ay && ks2Year < c.now.getUTCFullYear()) {
    stages.push({
      stage: "KS2",
      assessments: ["MAT", "ENG"].map((subject) => ({
        locale: "ENG",
        year: String(ks2Year),
        subject,
        method: "TT",
        component: subject === "MAT" ? "MAT" : "RD",
        resultStatus: "R",
        resultQualifier: "SS",
        result: String(faker.number.int({ min: 85, max: 120 })),
        resultDate: `${ks2Year}-07-07`,
      })),
    });
  }
  return stages;
}

function history(faker: Faker, c: PupilContext, started: Date): SchoolHistoryEntry[] {
  const current: SchoolHistoryEntry = {
    lea: c.lea,
    estab: c.from.slice(3),
    ...(c.school.urn ? { urn: c.school.urn } : {}),
    ...(c.school.schoolName ? { schoolName: c.school.schoolName } : {}),
    entryDate: iso(started),
  };
  if (c.ncYear < 7) return [current];
  // Secondary pupils came from a primary school at the end of Year 6.
  const joined = utc(c.ay - (c.ncYear - 7), 9, faker.number.int({ min: 2, max: 8 }));
  current.entryDate = iso(joined);
  return [
    current,
    {
      lea: c.lea,
      estab: String(faker.number.int({ min: 2000, max: 2999 })),
      schoolName: schoolName(
        (items) => faker.helpers.arrayElement(items),
        faker.helpers.arrayElement(TOWNS),
      ),
      entryDate: iso(started),
      leavingDate: iso(utc(joined.getUTCFullYear(), 7, 20)),
    },
  ];
}

export function generateCtf(options: GenerateOptions): CtfDocument {
  const header = generateHeader(options);
  return { header, pupils: [...generatePupils(options, header)] };
}

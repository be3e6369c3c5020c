/**
 * Merging a file's pupil into a register pupil, area by area. By default every value the school
 * keyed in stays, what is blank is filled, and history rows the register lacks are added; the
 * user may take the file's values for a whole area or a single field. The preview and the
 * commit both come from `mergePupil`, so what is shown is exactly what is done.
 */
import type {
  Address,
  BasicDetails,
  Contact,
  KeyStage,
  Pupil,
  StageAssessment,
  XmlNode,
} from "../ctf/model.js";
import { normaliseName } from "./matching.js";
import { alike } from "./state-diff.js";

export type MergeResult = "same" | "register" | "file" | "added" | "removed";

export interface MergeRow {
  area: Area;
  /** A field's name for details; a row's description for history areas. */
  field: string;
  register: string | null;
  file: string | null;
  result: MergeResult;
}

export const AREAS = [
  "details",
  "address",
  "phones",
  "contacts",
  "languages",
  "disabilities",
  "lookedAfter",
  "sen",
  "fsm",
  "attendance",
  "assessments",
  "schoolHistory",
  "other",
] as const;
export type Area = (typeof AREAS)[number];

type Text = string | undefined;
const PUPIL_FIELDS = ["upn", "uln", "uci", "surname", "forename", "dob", "sex", "email"] as const;
const BASIC_FIELDS = [
  "formerUpn",
  "preferredSurname",
  "preferredForename",
  "formerSurname",
  "formerForename",
  "middleNames",
  "ncYearActual",
  "ethnicity",
  "ethnicitySource",
  "serviceChild",
  "medicalFlag",
  "enrolStatus",
] as const;
/** Every field a user may take on its own, by the name the API takes. */
export const FIELDS: readonly string[] = [...PUPIL_FIELDS, ...BASIC_FIELDS, "fsmReviewDate"];

/** Each field in the words a school office uses, for the preview ("NC year", not ncYearActual). */
export const FIELD_NAMES: Readonly<Record<(typeof FIELDS)[number], string>> = {
  upn: "UPN",
  uln: "Unique learner number (ULN)",
  uci: "Unique candidate identifier (UCI)",
  surname: "Legal surname",
  forename: "Legal forename",
  dob: "Date of birth",
  sex: "Sex",
  email: "E-mail",
  formerUpn: "Former UPN",
  preferredSurname: "Preferred surname",
  preferredForename: "Preferred forename",
  formerSurname: "Former surname",
  formerForename: "Former forename",
  middleNames: "Middle names",
  ncYearActual: "NC year",
  ethnicity: "Ethnicity",
  ethnicitySource: "Who gave the ethnicity",
  serviceChild: "Service child",
  medicalFlag: "Medical condition to know of",
  enrolStatus: "Enrolment status",
  fsmReviewDate: "Free school meals review date",
};

/** The CTF item whose code set says what a field's code means, for fields that hold codes. */
export const FIELD_CODE_ITEMS: Readonly<Record<string, string>> = {
  ncYearActual: "NCyearActual",
  ethnicity: "Ethnicity",
  ethnicitySource: "EthnicitySource",
  enrolStatus: "EnrolStatus",
  serviceChild: "ServiceChild",
};

/**
 * The value without the reader's bookkeeping (and undefined fields): a merged record is written
 * in the standard order. Most files are in that order already, so the value itself is returned
 * when there is nothing to take out: looking costs a third of copying.
 */
export function withoutReadOrder<T>(v: T): T {
  return bookkept(v) ? copyWithout(v) : v;
}

function bookkept(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some(bookkept);
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (k === "readOrder" || x === undefined || bookkept(x)) return true;
  }
  return false;
}

function copyWithout<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyWithout) as T;
  if (v === null || typeof v !== "object") return v;
  const copy: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    if (k !== "readOrder" && x !== undefined) copy[k] = copyWithout(x);
  return copy as T;
}

/** Alike whatever order each side keeps its keys in (the register's come back from jsonb). */
const same = alike;

export function mergePupil(
  register: Pupil,
  file: Pupil,
  take: ReadonlySet<string>,
): { record: Pupil; rows: MergeRow[] } {
  const reg = withoutReadOrder(register);
  const from = withoutReadOrder(file);
  const rows: MergeRow[] = [];
  const out: Pupil = { ...reg };
  const bd: BasicDetails = { ...(reg.basicDetails ?? {}) };
  const fileBd = from.basicDetails ?? {};

  const scalar = (field: string, r: Text, f: Text, set: (v: Text) => void) => {
    const result: MergeResult =
      r === f
        ? "same"
        : f !== undefined && (take.has(field) || take.has("details") || !r)
          ? "file"
          : "register";
    if (r === undefined && f === undefined) return;
    rows.push({ area: "details", field, register: r ?? null, file: f ?? null, result });
    if (result === "file") set(f);
  };
  for (const k of PUPIL_FIELDS)
    scalar(k, reg[k], from[k], (v) => {
      out[k] = v;
    });
  for (const k of BASIC_FIELDS)
    scalar(k, bd[k], fileBd[k], (v) => {
      bd[k] = v;
    });

  const whole = <T>(area: Area, r: T | undefined, f: T | undefined, show: (v: T) => string) => {
    if (r === undefined && f === undefined) return r;
    const result: MergeResult =
      r !== undefined && f !== undefined && same(r, f)
        ? "same"
        : f !== undefined && (take.has(area) || r === undefined)
          ? "file"
          : "register";
    rows.push({
      area,
      field: area,
      register: r === undefined ? null : show(r),
      file: f === undefined ? null : show(f),
      result,
    });
    return result === "file" ? f : r;
  };
  out.address = whole("address", reg.address, from.address, addressLine);
  out.lookedAfter = whole("lookedAfter", reg.lookedAfter, from.lookedAfter, summary);
  out.nawDetails = whole("other", reg.nawDetails, from.nawDetails, nodeLine);
  out.suppInfo = whole("other", reg.suppInfo, from.suppInfo, nodeLine);
  bd.suppInfo = whole("other", bd.suppInfo, fileBd.suppInfo, nodeLine);

  out.phones = list("phones", reg.phones, from.phones, (p) => normaliseName(p.number), summary);
  bd.languages = list(
    "languages",
    bd.languages,
    fileBd.languages,
    (l) => `${l.languageType}|${l.language}`,
    summary,
  );
  bd.disabilities = list(
    "disabilities",
    bd.disabilities,
    fileBd.disabilities,
    (d) => d,
    (d) => d,
  );
  out.attendance = list(
    "attendance",
    reg.attendance,
    from.attendance,
    (a) => `${a.year}|${a.lea}|${a.estab}`,
    (a) =>
      `${a.year ?? ""} at ${a.schoolName ?? `${a.lea ?? ""}${a.estab ?? ""}`}: ${a.sessionsPossible ?? "?"} possible, ${a.sessionsAttended ?? "?"} attended`,
  );
  out.schoolHistory = list(
    "schoolHistory",
    reg.schoolHistory,
    from.schoolHistory,
    (h) => `${h.lea}|${h.estab}|${h.entryDate}`,
    (h) =>
      `${h.schoolName ?? `${h.lea ?? ""}${h.estab ?? ""}`} from ${h.entryDate ?? "?"}${h.leavingDate ? ` to ${h.leavingDate}` : ""}`,
    // A stay the register holds as open that the file shows ended (a pupil who left and came
    // back): the end is a fact the register lacked, not a value the school keyed.
    (held, file) =>
      !held.leavingDate && file.leavingDate
        ? { ...file, ...withoutBlanks(held), leavingDate: file.leavingDate }
        : undefined,
  );
  const sen = { ...(reg.senHistory ?? {}) };
  sen.provisions = list(
    "sen",
    sen.provisions,
    from.senHistory?.provisions,
    (s) => `${s.startDate}|${s.provision}`,
    (s) => `provision ${s.provision ?? "?"} from ${s.startDate ?? "?"}`,
  );
  sen.needs = list(
    "sen",
    sen.needs,
    from.senHistory?.needs,
    (n) => `${n.type}|${n.rank}|${n.startDate}`,
    (n) => `need ${n.type ?? "?"} (rank ${n.rank ?? "?"})`,
  );
  out.senHistory = tidy(sen);
  const fsm = { ...(reg.fsmHistory ?? {}) };
  scalar("fsmReviewDate", fsm.reviewDate, from.fsmHistory?.reviewDate, (v) => {
    fsm.reviewDate = v;
  });
  fsm.instances = list(
    "fsm",
    fsm.instances,
    from.fsmHistory?.instances,
    (i) => `${i.startDate}`,
    (i) => `from ${i.startDate ?? "?"}${i.endDate ? ` to ${i.endDate}` : ""}`,
  );
  out.fsmHistory = tidy(fsm);
  out.stageAssessments = assessments(reg.stageAssessments, from.stageAssessments);
  out.contacts = contacts(reg.contacts, from.contacts);
  out.extra = list("other", reg.extra, from.extra, (x) => JSON.stringify(x), nodeLine);
  bd.extra = list("other", bd.extra, fileBd.extra, (x) => JSON.stringify(x), nodeLine);
  out.basicDetails = tidy(bd);
  return { record: tidy(out) as Pupil, rows };

  /** A history list: the register's rows, and the file's rows it lacks (or the file's alone). */
  function list<T>(
    area: Area,
    r: T[] | undefined,
    f: T[] | undefined,
    key: (v: T) => string,
    show: (v: T) => string,
    complete?: (held: T, file: T) => T | undefined,
  ): T[] | undefined {
    const mine = r ?? [];
    const theirs = f ?? [];
    if (take.has(area) && theirs.length > 0) {
      const kept = new Set(theirs.map(key));
      for (const v of theirs)
        rows.push({ area, field: show(v), register: null, file: show(v), result: "file" });
      for (const v of mine)
        if (!kept.has(key(v)))
          rows.push({ area, field: show(v), register: show(v), file: null, result: "removed" });
      return theirs;
    }
    const byKey = new Map(mine.map((v) => [key(v), v]));
    const merged = [...mine];
    const inFile = new Set<string>();
    for (const v of theirs) {
      const k = key(v);
      inFile.add(k);
      const held = byKey.get(k);
      const completed = held === undefined ? undefined : complete?.(held, v);
      if (held === undefined) {
        merged.push(v);
        byKey.set(k, v);
        rows.push({ area, field: show(v), register: null, file: show(v), result: "added" });
      } else if (completed !== undefined) {
        merged[merged.indexOf(held)] = completed;
        byKey.set(k, completed);
        rows.push({ area, field: show(held), register: show(held), file: show(v), result: "file" });
      } else
        rows.push({
          area,
          field: show(held),
          register: show(held),
          file: show(v),
          result: same(held, v) ? "same" : "register",
        });
    }
    for (const v of mine)
      if (!inFile.has(key(v)))
        rows.push({ area, field: show(v), register: show(v), file: null, result: "register" });
    return merged.length > 0 ? merged : undefined;
  }

  /** Results by key stage: the file's results the register lacks join their stage. */
  function assessments(r: KeyStage[] | undefined, f: KeyStage[] | undefined) {
    const flat = (ks: KeyStage[] | undefined) =>
      (ks ?? []).flatMap((k) => (k.assessments ?? []).map((a) => ({ stage: k.stage, a })));
    const merged = list(
      "assessments",
      flat(r),
      flat(f),
      ({ stage, a }) =>
        [stage, a.locale, a.year, a.subject, a.method, a.component, a.resultDate].join("|"),
      ({ stage, a }) =>
        `${stage ?? ""} ${a.subject ?? ""} ${a.method ?? ""} ${a.component ?? ""}: ${a.result ?? ""}`,
    );
    if (!merged) return undefined;
    const stages = new Map<string | undefined, StageAssessment[]>();
    for (const { stage, a } of merged) stages.set(stage, [...(stages.get(stage) ?? []), a]);
    // A stage's own fields (its extra, say) are kept from whichever side had the stage.
    const stageOf = (s: string | undefined) =>
      (r ?? []).find((k) => k.stage === s) ?? (f ?? []).find((k) => k.stage === s) ?? {};
    return [...stages].map(([stage, list]) => ({ ...stageOf(stage), stage, assessments: list }));
  }

  /**
   * Contacts are matched within this pupil only, by name: a matched contact's blanks are filled
   * and its phones joined; an unmatched one is added. Never linked to another family's contact.
   */
  function contacts(r: Contact[] | undefined, f: Contact[] | undefined) {
    const mine = r ?? [];
    const theirs = f ?? [];
    const key = (c: Contact) => `${normaliseName(c.forename)}|${normaliseName(c.surname)}`;
    if (take.has("contacts") && theirs.length > 0) return list("contacts", r, f, key, contactLine);
    const merged = mine.map((c) => ({ ...c }));
    for (const c of theirs) {
      const held = merged.find((m) => key(m) === key(c));
      if (!held) {
        merged.push(c);
        rows.push({
          area: "contacts",
          field: contactLine(c),
          register: null,
          file: contactLine(c),
          result: "added",
        });
        continue;
      }
      const before = contactLine(held);
      for (const k of [
        "title",
        "middleNames",
        "sex",
        "relationship",
        "responsibility",
        "email",
      ] as const)
        if (!held[k] && c[k]) held[k] = c[k];
      if (!held.address && c.address) held.address = c.address;
      const numbers = new Set((held.phones ?? []).map((p) => normaliseName(p.number)));
      const extraPhones = (c.phones ?? []).filter((p) => !numbers.has(normaliseName(p.number)));
      if (extraPhones.length > 0) held.phones = [...(held.phones ?? []), ...extraPhones];
      rows.push({
        area: "contacts",
        field: before,
        register: before,
        file: contactLine(c),
        result: contactLine(held) === before && !extraPhones.length ? "same" : "register",
      });
    }
    for (const c of mine)
      if (!theirs.some((t) => key(t) === key(c)))
        rows.push({
          area: "contacts",
          field: contactLine(c),
          register: contactLine(c),
          file: null,
          result: "register",
        });
    return merged.length > 0 ? merged : undefined;
  }
}

/** An object's defined fields only. */
function withoutBlanks<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An object without its empty fields, or undefined when nothing is left. */
function tidy<T extends object>(o: T): T | undefined {
  const kept = Object.entries(o).filter(
    ([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0),
  );
  return kept.length === 0 ? undefined : (Object.fromEntries(kept) as T);
}

function summary(v: object): string {
  return Object.values(v)
    .filter((x): x is string => typeof x === "string" && x !== "")
    .join(", ");
}

function addressLine(a: Address): string {
  const b = a.bs7666;
  const l = a.lines;
  const parts = b
    ? [b.saon, b.paon, b.street, b.locality, b.town]
    : [l?.line1, l?.line2, l?.line3, l?.line4, l?.line5];
  return [...parts, a.postCode ?? a.zip]
    .map((x) => x?.trim())
    .filter(Boolean)
    .join(", ");
}

function contactLine(c: Contact): string {
  const name = [c.title, c.forename, c.surname].filter(Boolean).join(" ");
  const phones = (c.phones ?? []).map((p) => p.number).filter(Boolean);
  return `${name}${c.relationship ? ` (${c.relationship})` : ""}${phones.length ? `, ${phones.join(", ")}` : ""}`;
}

function nodeLine(n: XmlNode): string {
  return `<${n.name}>${n.children ? ` with ${n.children.length} parts` : (n.text ?? "")}`;
}

/**
 * Which element holds which model field, in the standard order. The reader uses it to place
 * children that come in any order; the writer walks it to put them back in order. The types
 * tie each schema to its model interface, so a field cannot be forgotten on either side.
 */
import type * as M from "./model.js";

export interface TextField {
  kind: "text";
  tag: string;
  aliases?: string[];
  /** The element name versions before 25.0 use (Gender became Sex). */
  before25?: string;
  /** Its spaces are data (BS7666 fixed-width fields): read and written untrimmed. */
  verbatim?: boolean;
}
export interface RawField {
  kind: "raw";
  tag: string;
}
export interface TextListField {
  kind: "textList";
  tag: string;
  item: string;
}
export interface ObjectField<T> {
  kind: "object";
  tag: string;
  schema: Schema<T>;
  /** Repeats directly inside its parent rather than inside a wrapper element. */
  many?: boolean;
}
export interface ObjectListField<T> {
  kind: "objectList";
  tag: string;
  item: string;
  schema: Schema<T>;
}

export type Field = (
  | TextField
  | RawField
  | TextListField
  | ObjectField<unknown>
  | ObjectListField<unknown>
) & {
  key: string;
  /** Position in the schema's fields; the reader keeps per-field state by it. */
  index: number;
};

type FieldFor<V> =
  NonNullable<V> extends string
    ? TextField
    : NonNullable<V> extends M.XmlNode
      ? RawField
      : NonNullable<V> extends string[]
        ? TextListField
        : NonNullable<V> extends (infer I)[]
          ? ObjectListField<I> | ObjectField<I>
          : ObjectField<NonNullable<V>>;

type FieldsOf<T> = {
  [K in Exclude<keyof T, "extra" | "readOrder" | "attributes">]-?: FieldFor<T[K]>;
};

export interface Schema<T> {
  readonly name: string;
  readonly fields: readonly Field[];
  /** Every element name a child may have (tags and aliases), to its field. */
  readonly byTag: ReadonlyMap<string, Field>;
  /** Each field's index by its model key. */
  readonly indexOf: Readonly<Record<string, number>>;
  /** Only for type inference; never set. */
  readonly model?: T;
}

export function schema<T>(name: string, fields: FieldsOf<T>): Schema<T> {
  const list: Field[] = [];
  const byTag = new Map<string, Field>();
  const indexOf: Record<string, number> = {};
  for (const [key, spec] of Object.entries(fields) as [string, Field][]) {
    const field = { ...spec, key, index: list.length } as Field;
    indexOf[key] = field.index;
    list.push(field);
    for (const tag of [field.tag, ...(field.kind === "text" ? (field.aliases ?? []) : [])]) {
      if (byTag.has(tag)) throw new Error(`schema ${name}: ${tag} used twice`);
      byTag.set(tag, field);
    }
    if (field.kind === "text" && field.before25 !== undefined) byTag.set(field.before25, field);
  }
  if (list.length > 30) throw new Error(`schema ${name}: the reader tracks at most 30 fields`);
  return { name, fields: list, byTag, indexOf };
}

export const text = (tag: string, ...aliases: string[]): TextField =>
  aliases.length > 0 ? { kind: "text", tag, aliases } : { kind: "text", tag };
const verbatim = (tag: string): TextField => ({ kind: "text", tag, verbatim: true });
export const raw = (tag: string): RawField => ({ kind: "raw", tag });
export const textList = (tag: string, item: string): TextListField => ({
  kind: "textList",
  tag,
  item,
});
export const one = <T>(tag: string, s: Schema<T>): ObjectField<T> => ({
  kind: "object",
  tag,
  schema: s,
});
export const repeat = <T>(tag: string, s: Schema<T>): ObjectField<T> => ({
  kind: "object",
  tag,
  schema: s,
  many: true,
});
export const list = <T>(tag: string, item: string, s: Schema<T>): ObjectListField<T> => ({
  kind: "objectList",
  tag,
  item,
  schema: s,
});
const sex = (): TextField => ({ kind: "text", tag: "Sex", before25: "Gender" });

const school = (name: string) =>
  schema<M.SchoolRef>(name, {
    lea: text("LEA"),
    estab: text("Estab"),
    urn: text("URN"),
    schoolName: text("SchoolName"),
    academicYear: text("AcademicYear"),
  });

export const headerSchema = schema<M.Header>("Header", {
  documentName: text("DocumentName"),
  version: text("CTFversion"),
  dateTime: text("DateTime"),
  documentQualifier: text("DocumentQualifier"),
  dataQualifier: text("DataQualifier"),
  dataDescriptor: text("DataDescriptor"),
  supplierId: text("SupplierID"),
  sourceSchool: one("SourceSchool", school("SourceSchool")),
  destSchool: one("DestSchool", school("DestSchool")),
});

const basicDetails = schema<M.BasicDetails>("BasicDetails", {
  formerUpn: text("FormerUPN"),
  preferredSurname: text("PreferredSurname"),
  preferredForename: text("PreferredForename"),
  formerSurname: text("FormerSurname"),
  formerForename: text("FormerForename"),
  middleNames: text("MiddleNames"),
  ncYearActual: text("NCyearActual"),
  ethnicity: text("Ethnicity"),
  ethnicitySource: text("EthnicitySource"),
  languages: list(
    "Languages",
    "Type",
    schema<M.Language>("Type", { languageType: text("LanguageType"), language: text("Language") }),
  ),
  serviceChild: text("ServiceChild"),
  medicalFlag: text("MedicalFlag"),
  disabilities: textList("Disabilities", "Disability"),
  enrolStatus: text("EnrolStatus"),
  suppInfo: raw("SuppInfo"),
});

const fsmHistory = schema<M.FsmHistory>("FSMhistory", {
  reviewDate: text("FSMreviewDate"),
  instances: repeat(
    "FSMinstance",
    schema<M.FsmInstance>("FSMinstance", {
      startDate: text("FSMstartDate"),
      endDate: text("FSMendDate"),
      ukCountry: text("UKcountry"),
    }),
  ),
});

const senHistory = schema<M.SenHistory>("SENhistory", {
  provisions: repeat(
    "SEN",
    // EndDate came in CTF 17, after SENprovision, as real files write it.
    schema<M.SenProvision>("SEN", {
      startDate: text("StartDate"),
      provision: text("SENprovision"),
      endDate: text("EndDate"),
    }),
  ),
  needs: list(
    "SENneeds",
    "SENneed",
    // SIMS writes the rank before the type; other producers the other way (kept as read).
    schema<M.SenNeed>("SENneed", {
      startDate: text("NeedStartDate"),
      rank: text("SENtypeRank"),
      type: text("SENtype"),
    }),
  ),
});

const address = schema<M.Address>("Address", {
  addressAsPupil: text("AddressAsPupil"),
  bs7666: one(
    "BS7666Address",
    schema<M.Bs7666Address>("BS7666Address", {
      saon: verbatim("SAON"),
      paon: verbatim("PAON"),
      street: text("Street"),
      locality: text("Locality"),
      town: text("Town"),
      administrativeArea: text("AdministrativeArea"),
      postTown: text("PostTown"),
      uprn: text("UniquePropertyReferenceNumber"),
    }),
  ),
  lines: one(
    "AddressLines",
    schema<M.AddressLines>("AddressLines", {
      line1: text("AddressLine1"),
      line2: text("AddressLine2"),
      line3: text("AddressLine3"),
      line4: text("AddressLine4"),
      line5: text("AddressLine5"),
    }),
  ),
  county: text("County"),
  postCode: text("PostCode"),
  zip: text("Zip", "ZIP"),
  country: text("Country"),
  easting: text("Easting"),
  northing: text("Northing"),
});

const phones = list(
  "Phones",
  "Phone",
  schema<M.Phone>("Phone", { type: text("TelephoneType"), number: text("PhoneNo") }),
);

const contact = schema<M.Contact>("Contact", {
  order: text("Order"),
  title: text("Title"),
  surname: text("Surname"),
  forename: text("Forename"),
  middleNames: text("MiddleNames"),
  // Sex from 25.0, Gender before, like the pupil's (CTF-NOTES.md says why).
  sex: sex(),
  relationship: text("Relationship"),
  responsibility: text("Responsibility"),
  address: one("Address", address),
  phones,
  email: text("Email"),
  suppInfo: raw("SuppInfo"),
});

const attendanceYear = schema<M.AttendanceYear>("YearData", {
  year: text("Year"),
  lea: text("LEA"),
  estab: text("Estab"),
  urn: text("URN"),
  schoolName: text("SchoolName"),
  sessionsPossible: text("SessionsPossible"),
  sessionsAuthorised: text("SessionsAuthorised"),
  sessionsAttended: text("SessionsAttended"),
  sessionsUnauthorised: text("SessionsUnauthorised"),
  attendSessions: one(
    "AttendSessions",
    schema<M.AttendSessions>("AttendSessions", {
      startDate: text("AttendanceStartDate"),
      // One character a session: a space would be a mark, so nothing is trimmed.
      marks: verbatim("AttendanceMarks"),
    }),
  ),
});

const keyStage = schema<M.KeyStage>("KeyStage", {
  stage: text("Stage"),
  assessments: repeat(
    "StageAssessment",
    schema<M.StageAssessment>("StageAssessment", {
      locale: text("Locale"),
      year: text("Year"),
      subject: text("Subject"),
      method: text("Method"),
      component: text("Component"),
      resultStatus: text("ResultStatus"),
      resultQualifier: text("ResultQualifier"),
      result: text("Result"),
      resultDate: text("ResultDate"),
    }),
  ),
});

const schoolHistoryEntry = schema<M.SchoolHistoryEntry>("School", {
  lea: text("LEA"),
  estab: text("Estab"),
  urn: text("URN"),
  schoolName: text("SchoolName"),
  entryDate: text("EntryDate"),
  leavingDate: text("LeavingDate"),
  leavingReason: text("LeavingReason"),
});

export const pupilSchema = schema<M.Pupil>("Pupil", {
  upn: text("UPN"),
  uln: text("UniqueLearnerNumber"),
  uci: text("UCI"),
  surname: text("Surname"),
  forename: text("Forename"),
  dob: text("DOB"),
  sex: sex(),
  basicDetails: one("BasicDetails", basicDetails),
  fsmHistory: one("FSMhistory", fsmHistory),
  nawDetails: raw("NAWdetails"),
  lookedAfter: one(
    "LookedAfter",
    schema<M.LookedAfter>("LookedAfter", {
      inCare: text("InCare"),
      careAuthority: text("CareAuthority"),
    }),
  ),
  senHistory: one("SENhistory", senHistory),
  address: one("Address", address),
  phones,
  email: text("Email"),
  contacts: list("Contacts", "Contact", contact),
  attendance: list("Attendance", "YearData", attendanceYear),
  stageAssessments: list("StageAssessments", "KeyStage", keyStage),
  schoolHistory: list("SchoolHistory", "School", schoolHistoryEntry),
  suppInfo: raw("SuppInfo"),
});

export const documentSchema = schema<M.CtfDocument>("CTfile", {
  header: one("Header", headerSchema),
  pupils: list("CTFpupilData", "Pupil", pupilSchema),
});

export const ROOT_ELEMENT = "CTfile";

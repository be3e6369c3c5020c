/**
 * What a pupil's record has never been given. A partial CTF (DocumentQualifier partial: a file
 * of results only, a DfE service's file, a sender's file without contacts) carries some areas of
 * a record and says nothing of the rest; a pupil made from one would otherwise be exported as a
 * full record, and the next school would take an empty contacts list as "no contacts". So the
 * register keeps, per pupil, the areas no file has carried, and an export of such a pupil says
 * that it is partial and what it lacks.
 */
import type { Pupil } from "../ctf/model.js";
import { AREAS, type Area } from "./merge.js";

/** The areas a record can lack: the merge's, but for the supplier's own elements. */
export const RECORD_AREAS: readonly Area[] = AREAS.filter((a) => a !== "other");

const WORDS: Record<Area, string> = {
  details: "basic details",
  address: "address",
  phones: "phone numbers",
  contacts: "contacts",
  languages: "languages",
  disabilities: "disabilities",
  lookedAfter: "looked-after status",
  sen: "SEN history",
  fsm: "free school meals",
  attendance: "attendance",
  assessments: "assessments",
  schoolHistory: "school history",
  other: "other elements",
};

/** The areas a file's pupil carries. */
export function areasIn(p: Pupil): Set<Area> {
  const bd = p.basicDetails;
  const given = new Set<Area>();
  const has = (area: Area, v: unknown) => {
    if (Array.isArray(v) ? v.length > 0 : v !== undefined) given.add(area);
  };
  const detail = (k: string) => k !== "languages" && k !== "disabilities" && k !== "readOrder";
  if (bd && Object.keys(bd).some(detail)) given.add("details");
  has("languages", bd?.languages);
  has("disabilities", bd?.disabilities);
  has("address", p.address);
  has("phones", p.phones);
  has("contacts", p.contacts);
  has("lookedAfter", p.lookedAfter);
  has("sen", p.senHistory);
  has("fsm", p.fsmHistory);
  has("attendance", p.attendance);
  has("assessments", p.stageAssessments);
  has("schoolHistory", p.schoolHistory);
  return given;
}

/**
 * The areas never given once a file's pupil is taken in: `before` is the register pupil's (null
 * for a record that lacks nothing, undefined for a pupil the file adds). A full file vouches for
 * the whole record; a partial one only for what it carries.
 */
export function neverGivenAfter(
  before: readonly string[] | null | undefined,
  file: Pupil,
  partialFile: boolean,
): string[] | undefined {
  if (!partialFile) return undefined;
  const lacking = before === undefined ? RECORD_AREAS : before;
  if (lacking === null) return undefined;
  const given = areasIn(file);
  const left = lacking.filter((a) => !given.has(a as Area));
  return left.length > 0 ? left : undefined;
}

/** The areas in words: "contacts, address and phone numbers". */
export function areasInWords(areas: readonly string[]): string {
  const words = areas.map((a) => WORDS[a as Area] ?? a);
  return words.length <= 1
    ? (words[0] ?? "")
    : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/**
 * What an export's header says of its pupils' gaps (DataDescriptor): each partial pupil by their
 * place in the file, never by name.
 */
export function partialDescriptor(gaps: (readonly string[] | null | undefined)[]): string {
  const partial = gaps.flatMap((g, i) => (g && g.length > 0 ? [{ at: i + 1, g }] : []));
  if (gaps.length === 1 && partial[0])
    return `Partial record: its ${areasInWords(partial[0].g)} never received`;
  return `Partial records: ${partial.map((p) => `pupil ${p.at} without ${areasInWords(p.g)}`).join("; ")}`;
}

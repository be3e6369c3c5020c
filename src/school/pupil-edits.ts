/**
 * Adding a pupil by hand and editing a pupil's core details. Each change is audited with the
 * fields it touched (not their values), and the record and the register's columns change
 * together.
 */
import { parseDate } from "../ctf/checker.js";
import type { Pupil } from "../ctf/model.js";
import { checkUpn } from "../ctf/upn.js";
import { AppError, invalidAll, isId, notFound } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { addPupil, getPupil, PUPIL_STATUSES } from "./pupils.js";
import type { MisTx, PupilStatus } from "./schema.js";

/** The core details a user may key in; absent means unchanged, null means cleared. */
export interface CoreDetails {
  upn?: string | null;
  surname?: string;
  forename?: string;
  preferredSurname?: string | null;
  preferredForename?: string | null;
  formerSurname?: string | null;
  middleNames?: string | null;
  dob?: string;
  sex?: string;
  ncYear?: string | null;
  regGroup?: string | null;
  admissionDate?: string | null;
  status?: string;
  /** "true": a medical condition the school should know of; "false": none (as the CTF has it). */
  medicalFlag?: string | null;
}

/** The NC years of CBDS (D00020, with E1 and E2 since), youngest first; M is a mixed class. */
export const NC_YEARS: readonly string[] = [
  "E1",
  "E2",
  "N1",
  "N2",
  "R",
  ...Array.from({ length: 14 }, (_, i) => String(i + 1)),
  "M",
  "X",
];

/**
 * What a person keys in is checked. A UPN that fails its check is refused when typed, but one a
 * file gave (kept, shown as not valid) may stay as it is while other details are edited.
 */
function check(d: CoreDetails, creating: boolean, currentUpn?: string | null): void {
  const problems: { field: string; message: string }[] = [];
  const wrong = (field: string, message: string) => problems.push({ field, message });
  for (const key of ["surname", "forename"] as const)
    if ((creating || d[key] !== undefined) && !d[key]?.trim()) wrong(key, `The ${key} is needed.`);
  if (d.upn && d.upn.trim().toUpperCase() !== currentUpn?.toUpperCase()) {
    const u = checkUpn(d.upn);
    if (!u.valid) wrong("upn", `UPN ${d.upn} is not valid: check it was keyed correctly.`);
  }
  if ((creating || d.dob !== undefined) && parseDate(d.dob ?? "") === undefined)
    wrong("dob", "Enter the date of birth as a real date (YYYY-MM-DD in the API).");
  if ((creating || d.sex !== undefined) && d.sex !== "M" && d.sex !== "F")
    wrong("sex", "Sex is M or F, as the CTF records it.");
  if (d.ncYear && !NC_YEARS.includes(d.ncYear))
    wrong("ncYear", "The NC year is E1, E2, N1, N2, R, 1 to 14, M or X.");
  if (d.admissionDate && parseDate(d.admissionDate) === undefined)
    wrong("admissionDate", "Enter the admission date as a real date (YYYY-MM-DD in the API).");
  if (d.medicalFlag && d.medicalFlag !== "true" && d.medicalFlag !== "false")
    wrong("medicalFlag", "Say yes or no: is there a medical condition the school should know of?");
  if (d.status !== undefined && !PUPIL_STATUSES.includes(d.status as PupilStatus))
    wrong("status", `The status is one of ${PUPIL_STATUSES.join(", ")}.`);
  // Every problem at once: an office corrects the form in one go, not one field a try.
  if (problems.length > 0) throw invalidAll(problems);
}

/** The record with the core details applied. */
function applied(p: Pupil, d: CoreDetails): Pupil {
  const next: Pupil = structuredClone(p);
  const bd = { ...(next.basicDetails ?? {}) };
  const set = <T extends object>(o: T, key: keyof T, v: string | null | undefined) => {
    if (v === undefined) return;
    if (v === null || v.trim() === "") delete o[key];
    else (o as Record<keyof T, string>)[key] = v.trim();
  };
  set(next, "upn", d.upn === undefined ? undefined : (d.upn?.toUpperCase() ?? null));
  set(next, "surname", d.surname);
  set(next, "forename", d.forename);
  set(next, "dob", d.dob);
  set(next, "sex", d.sex);
  set(bd, "preferredSurname", d.preferredSurname);
  set(bd, "preferredForename", d.preferredForename);
  set(bd, "formerSurname", d.formerSurname);
  set(bd, "middleNames", d.middleNames);
  set(bd, "ncYearActual", d.ncYear);
  set(bd, "medicalFlag", d.medicalFlag);
  if (Object.keys(bd).length > 0) next.basicDetails = bd;
  return next;
}

const changed = (d: CoreDetails) =>
  Object.keys(d).filter((k) => d[k as keyof CoreDetails] !== undefined);

/** The core details as the register holds them, to tell which fields an edit really changed. */
function coreOf(
  p: Pupil,
  row: { reg_group: string | null; admission_date: string | null; status: string },
): Record<keyof CoreDetails, string | null> {
  const bd = p.basicDetails ?? {};
  return {
    upn: p.upn ?? null,
    surname: p.surname ?? null,
    forename: p.forename ?? null,
    preferredSurname: bd.preferredSurname ?? null,
    preferredForename: bd.preferredForename ?? null,
    formerSurname: bd.formerSurname ?? null,
    middleNames: bd.middleNames ?? null,
    dob: p.dob ?? null,
    sex: p.sex ?? null,
    ncYear: bd.ncYearActual ?? null,
    medicalFlag: bd.medicalFlag ?? null,
    regGroup: row.reg_group,
    admissionDate: row.admission_date,
    status: row.status,
  };
}

/**
 * A UPN is on roll once: a pupil added or edited by hand may not take the UPN of another pupil
 * on roll or joining, or the register holds two records of one child (as an import refuses to).
 */
async function refuseUpnInUse(trx: MisTx, upn: string | null | undefined, self?: string) {
  const wanted = upn?.trim().toUpperCase();
  if (!wanted) return;
  let query = trx
    .selectFrom("pupils")
    .select(["surname", "forename", "status"])
    .where("upn", "=", wanted)
    .where("status", "in", ["onroll", "intake"]);
  if (self) query = query.where("id", "!=", self);
  const other = await query.executeTakeFirst();
  if (other)
    throw new AppError(
      "conflict",
      `UPN ${wanted} is already ${other.status === "onroll" ? "on roll" : "joining"} as ${other.surname}, ${other.forename}: a UPN belongs to one pupil. Check it was keyed correctly, or edit that pupil instead.`,
      { field: "upn" },
    );
}

export async function createPupil(ctx: MisContext, actor: MisPrincipal, d: CoreDetails) {
  check(d, true);
  const record = applied({}, d);
  const id = await ctx.db.transaction().execute(async (trx) => {
    await refuseUpnInUse(trx, d.upn);
    const made = await addPupil(
      trx,
      record,
      {
        status: (d.status as PupilStatus | undefined) ?? "onroll",
        ...(d.regGroup ? { regGroup: d.regGroup } : {}),
        ...(d.admissionDate ? { admissionDate: d.admissionDate } : {}),
      },
      ctx.clock(),
    );
    await misAudit(trx, actor, "pupil.create", `pupil:${made}`, { fields: changed(d) });
    return made;
  });
  return getPupil(ctx, actor, id);
}

export async function updatePupil(
  ctx: MisContext,
  actor: MisPrincipal,
  id: string,
  d: CoreDetails,
) {
  if (!isId(id)) throw notFound();
  const current = await ctx.db
    .selectFrom("pupils")
    .select("upn")
    .where("id", "=", id)
    .executeTakeFirst();
  check(d, false, current?.upn);
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("pupils")
      .select(["record", "reg_group", "admission_date", "status"])
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound();
    if (d.upn !== undefined) await refuseUpnInUse(trx, d.upn, id);
    const record = applied(row.record, d);
    const next = {
      reg_group: d.regGroup !== undefined ? d.regGroup || null : row.reg_group,
      admission_date: d.admissionDate !== undefined ? d.admissionDate || null : row.admission_date,
      status: d.status ?? row.status,
    };
    const before = coreOf(row.record, row);
    const after = coreOf(record, next);
    const fields = (Object.keys(after) as (keyof CoreDetails)[]).filter(
      (k) => before[k] !== after[k],
    );
    await trx
      .updateTable("pupils")
      .set({
        record: JSON.stringify(record),
        upn: record.upn ?? null,
        surname: record.surname ?? "",
        forename: record.forename ?? "",
        dob: record.dob ?? null,
        sex: record.sex ?? null,
        nc_year: record.basicDetails?.ncYearActual ?? null,
        ...(d.regGroup !== undefined ? { reg_group: d.regGroup || null } : {}),
        ...(d.admissionDate !== undefined ? { admission_date: d.admissionDate || null } : {}),
        ...(d.status !== undefined ? { status: d.status as PupilStatus } : {}),
        updated_at: ctx.clock(),
      })
      .where("id", "=", id)
      .execute();
    await misAudit(trx, actor, "pupil.edit", `pupil:${id}`, { fields });
  });
  return getPupil(ctx, actor, id);
}

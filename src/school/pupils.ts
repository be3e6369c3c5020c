/**
 * The pupil register. Each pupil is a CTF pupil as the ctf library models it (every area, and
 * what it does not model kept as it came), plus the school's own enrolment: status, year,
 * registration group, admission and leaving. Every read of a record and every search is audited.
 */
import { sql } from "kysely";
import type { Pupil } from "../ctf/model.js";
import { checkUpn } from "../ctf/upn.js";
import { invalid, isId, notFound } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { withoutReadOrder } from "./merge.js";
import type { MisDb, MisTx, PupilStatus } from "./schema.js";

export const PUPIL_STATUSES: readonly PupilStatus[] = ["applicant", "intake", "onroll", "left"];
const PAGE = 50;

export interface Enrolment {
  status: PupilStatus;
  regGroup?: string;
  admissionDate?: string;
}

/** Adds a pupil to the register; returns its id. */
export async function addPupil(
  db: MisDb | MisTx,
  record: Pupil,
  enrolment: Enrolment,
  now: Date,
): Promise<string> {
  const row = await db
    .insertInto("pupils")
    .values({
      ...columnsOf(record),
      status: enrolment.status,
      reg_group: enrolment.regGroup ?? null,
      admission_date: enrolment.admissionDate ?? null,
      record: JSON.stringify(record),
      updated_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The columns the register is searched by, taken from the record so they never disagree. */
export function columnsOf(p: Pupil) {
  return {
    upn: p.upn ?? null,
    surname: p.surname ?? "",
    forename: p.forename ?? "",
    dob: p.dob && /^\d{4}-\d{2}-\d{2}$/.test(p.dob) ? p.dob : null,
    sex: p.sex ?? null,
    nc_year: p.basicDetails?.ncYearActual ?? null,
  };
}

export interface PupilQuery {
  q?: string;
  status?: string;
  /** NC year, as the record has it (R, 1 ... 14). */
  year?: string;
  /** Registration group. */
  group?: string;
  page?: number;
}

export async function listPupils(ctx: MisContext, actor: MisPrincipal, query: PupilQuery) {
  if (query.status !== undefined && !PUPIL_STATUSES.includes(query.status as PupilStatus))
    throw invalid(`status is one of ${PUPIL_STATUSES.join(", ")}.`, "status");
  const page = query.page ?? 1;
  if (!Number.isInteger(page) || page < 1) throw invalid("page is a whole number from 1.", "page");
  const q = query.q?.trim() ?? "";
  let select = ctx.db.selectFrom("pupils");
  if (query.status) select = select.where("status", "=", query.status as PupilStatus);
  if (query.year) select = select.where("nc_year", "=", query.year.trim().toUpperCase());
  if (query.group)
    select = select.where(sql<string>`lower(reg_group)`, "=", query.group.trim().toLowerCase());
  if (q !== "") {
    const upn = q.toUpperCase();
    const words = q
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean);
    // A UPN, or words each starting a surname or forename ("smi jo" finds Jo Smith).
    select = select.where((eb) =>
      eb.or([
        eb("upn", "=", upn),
        eb.and(
          words.map((w) =>
            eb.or([
              eb(sql<string>`lower(surname)`, "like", `${escapeLike(w)}%`),
              eb(sql<string>`lower(forename)`, "like", `${escapeLike(w)}%`),
            ]),
          ),
        ),
      ]),
    );
  }
  const [rows, count] = await Promise.all([
    select
      .select([
        "id",
        "upn",
        "surname",
        "forename",
        "dob",
        "sex",
        "nc_year",
        "reg_group",
        "status",
        "admission_date",
      ])
      .orderBy(sql`lower(surname)`)
      .orderBy(sql`lower(forename)`)
      .orderBy("id")
      .limit(PAGE)
      .offset((page - 1) * PAGE)
      .execute(),
    select.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  // What was asked, not its value: a search names a child.
  await misAudit(ctx.db, actor, "pupils.search", undefined, {
    q: q !== "",
    status: query.status ?? null,
    year: query.year ?? null,
    group: query.group ?? null,
    page,
    found: Number(count.n),
  });
  return {
    pupils: rows.map((r) => ({
      id: r.id,
      upn: r.upn,
      upnValid: upnValid(r.upn),
      surname: r.surname,
      forename: r.forename,
      dob: r.dob,
      sex: r.sex,
      ncYear: r.nc_year,
      regGroup: r.reg_group,
      status: r.status,
      admissionDate: r.admission_date,
    })),
    total: Number(count.n),
    page,
    pageSize: PAGE,
  };
}

/** Whether a UPN passes its check (null: none): one that fails is shown as not valid. */
function upnValid(upn: string | null | undefined): boolean | null {
  return upn ? checkUpn(upn).valid : null;
}

/** How many pupils have a status: a count, not a search of names, so nothing to audit. */
export async function countPupils(ctx: MisContext, status: PupilStatus): Promise<number> {
  const r = await ctx.db
    .selectFrom("pupils")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("status", "=", status)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A pupil's whole record, every area as an array; audited. */
export async function getPupil(ctx: MisContext, actor: MisPrincipal, id: string) {
  if (!isId(id)) throw notFound();
  const row = await ctx.db.selectFrom("pupils").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound();
  await misAudit(ctx.db, actor, "pupil.view", `pupil:${id}`);
  return pupilView(row.id, row, row.record);
}

interface Row {
  status: PupilStatus;
  reg_group: string | null;
  admission_date: string | null;
  leaving_date: string | null;
  leaving_reason: string | null;
  leaving_destination: string | null;
  never_given: string[] | null;
}

/** How a pupil's record is shown: the CTF's areas by name, without the reader's bookkeeping. */
function pupilView(id: string, row: Row, p: Pupil) {
  const bd = p.basicDetails ?? {};
  const clean = withoutReadOrder;
  return {
    id,
    upn: p.upn ?? null,
    upnValid: upnValid(p.upn),
    surname: p.surname ?? "",
    forename: p.forename ?? "",
    dob: p.dob ?? null,
    sex: p.sex ?? null,
    ncYear: bd.ncYearActual ?? null,
    status: row.status,
    regGroup: row.reg_group,
    admissionDate: row.admission_date,
    leaving:
      row.leaving_date === null && row.leaving_reason === null && row.leaving_destination === null
        ? null
        : {
            date: row.leaving_date,
            reason: row.leaving_reason,
            destination: row.leaving_destination,
          },
    // Areas no file has given (the pupil came from partial CTFs): their export says partial.
    neverGiven: row.never_given ?? [],
    uln: p.uln ?? null,
    uci: p.uci ?? null,
    formerUpn: bd.formerUpn ?? null,
    preferredSurname: bd.preferredSurname ?? null,
    preferredForename: bd.preferredForename ?? null,
    formerSurname: bd.formerSurname ?? null,
    formerForename: bd.formerForename ?? null,
    middleNames: bd.middleNames ?? null,
    ethnicity: bd.ethnicity ?? null,
    ethnicitySource: bd.ethnicitySource ?? null,
    enrolStatus: bd.enrolStatus ?? null,
    serviceChild: bd.serviceChild ?? null,
    medicalFlag: bd.medicalFlag ?? null,
    email: p.email ?? null,
    lookedAfter: p.lookedAfter ? clean(p.lookedAfter) : null,
    languages: clean(bd.languages ?? []),
    disabilities: bd.disabilities ?? [],
    addresses: p.address ? [clean(p.address)] : [],
    phones: clean(p.phones ?? []),
    contacts: clean(p.contacts ?? []),
    attendance: clean(p.attendance ?? []),
    assessments: clean(
      (p.stageAssessments ?? []).flatMap((ks) =>
        (ks.assessments ?? []).map((a) => ({ stage: ks.stage ?? null, ...a })),
      ),
    ),
    senHistory: clean(p.senHistory?.provisions ?? []),
    senNeeds: clean(p.senHistory?.needs ?? []),
    fsmHistory: clean(p.fsmHistory?.instances ?? []),
    fsmReviewDate: p.fsmHistory?.reviewDate ?? null,
    schoolHistory: clean(p.schoolHistory ?? []),
  };
}

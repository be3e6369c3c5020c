/**
 * The Lost Pupils database and the out-of-sector register: files sent to XXXXXXX or MMMMMMM,
 * searched by local authorities for a child who has turned up at one of their schools, then
 * passed on to that school. Names are matched loosely (spelling, sound), dates exactly.
 */
import { sql } from "kysely";
import { AppError, forbidden, invalid, notFound, requireId } from "../errors.js";
import { audit } from "./audit.js";
import { inTransaction } from "./change.js";
import { tellDestination } from "./check-upload.js";
import type { HubContext, Principal } from "./context.js";
import { findEstablishment } from "./establishments.js";
import { canSearchRegisters } from "./policies/registers.js";
import { canRedirect } from "./policies/transfers.js";
import { transition } from "./transfer-actions.js";

export interface LostPupilQuery {
  surname?: string;
  forename?: string;
  sex?: string;
  dob?: string;
  dobFrom?: string;
  dobTo?: string;
  upn?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_FIELDS = [
  ["dob", "Date of birth"],
  ["dobFrom", "Born on or after"],
  ["dobTo", "Born on or before"],
] as const;

export async function searchLostPupils(ctx: HubContext, p: Principal, q: LostPupilQuery) {
  if (!canSearchRegisters(p))
    throw forbidden("Only local authorities search the Lost Pupils database.");
  for (const [key, label] of DATE_FIELDS) {
    const v = q[key];
    if (v !== undefined && v !== "" && !DATE.test(v))
      throw invalid(`${label} must be a date as YYYY-MM-DD (${key}).`, key);
  }
  const surname = q.surname?.trim().toLowerCase() ?? "";
  const forename = q.forename?.trim().toLowerCase() ?? "";
  const upn = q.upn?.trim().toUpperCase() ?? "";
  if (!surname && !forename && !upn && !q.dob && !q.dobFrom && !q.dobTo) {
    throw invalid("Search by at least a name, a date of birth or a UPN.", "surname");
  }
  let query = ctx.db
    .selectFrom("transfer_pupils as tp")
    .innerJoin("transfers as t", "t.id", "tp.transfer_id")
    .select([
      "t.id as transferId",
      "t.status",
      "t.source_laestab as sourceLaestab",
      "t.created_at as receivedAt",
      "tp.upn",
      "tp.surname",
      "tp.forename",
      "tp.dob",
      "tp.sex",
      "tp.nc_year as ncYear",
    ])
    .where("t.status", "in", ["lost", "outside"]);
  if (upn)
    query = query.where((eb) => eb.or([eb("tp.upn", "=", upn), eb("tp.former_upn", "=", upn)]));
  if (surname) {
    query = query.where((eb) =>
      eb.or([
        eb(sql`similarity(lower(tp.surname), ${surname})`, ">", 0.3),
        eb(sql`soundex(tp.surname)`, "=", sql`soundex(${surname})`),
        eb(sql`lower(coalesce(tp.former_surname, ''))`, "=", surname),
        eb(sql`lower(coalesce(tp.preferred_surname, ''))`, "=", surname),
      ]),
    );
  }
  if (forename) {
    query = query.where((eb) =>
      eb.or([
        eb(sql`similarity(lower(tp.forename), ${forename})`, ">", 0.3),
        eb(sql`soundex(tp.forename)`, "=", sql`soundex(${forename})`),
        eb(sql`lower(coalesce(tp.preferred_forename, ''))`, "=", forename),
      ]),
    );
  }
  if (q.sex) query = query.where("tp.sex", "=", q.sex.toUpperCase());
  if (q.dob) query = query.where("tp.dob", "=", q.dob);
  if (q.dobFrom) query = query.where("tp.dob", ">=", q.dobFrom);
  if (q.dobTo) query = query.where("tp.dob", "<=", q.dobTo);
  const rows = await query
    .orderBy(sql`similarity(lower(tp.surname), ${surname || "~"})`, "desc")
    .orderBy("t.created_at", "desc")
    .limit(100)
    .execute();
  await audit(ctx.db, p, {
    action: "search",
    detail: { register: "lost-pupils", criteria: { ...q }, results: rows.length },
  });
  return rows.map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() }));
}

/** An LA passes a lost or out-of-sector file to the school the pupil has joined. */
export async function redirect(ctx: HubContext, p: Principal, id: string, to: string) {
  const row = await ctx.db
    .selectFrom("transfers")
    .selectAll()
    .where("id", "=", requireId(id))
    .executeTakeFirst();
  if (!row || (p.role !== "la" && p.role !== "admin")) throw notFound();
  if (!canRedirect(p, row))
    throw new AppError(
      "transfer.state",
      "Only a local authority can pass on a lost or out-of-sector file.",
    );
  const school = await findEstablishment(ctx.db, to.trim());
  if (!school) throw invalid(`There is no school ${to} in the directory.`, "to");
  if (school.status === "closed" || school.independent)
    throw invalid(`${school.name} (${school.laestab}) cannot receive CTFs.`, "to");
  const now = ctx.clock();
  const source = await findEstablishment(ctx.db, row.source_laestab);
  await inTransaction(ctx, async ({ trx, mailQueued }) => {
    await transition(
      trx,
      row.id,
      row.status,
      {
        dest_laestab: school.laestab,
        dest_kind: "school",
        status: "available",
        expires_at: new Date(now.getTime() + ctx.config.retention.undownloadedDays * 86_400_000),
      },
      "pass on",
    );
    await tellDestination(
      ctx,
      trx,
      { dest_laestab: school.laestab, source_laestab: row.source_laestab },
      source?.name,
      row.pupil_count,
      now,
    );
    mailQueued();
    await audit(trx, p, {
      action: "redirect",
      target: `transfer:${row.id}`,
      detail: { from: row.dest_laestab, to: school.laestab },
    });
  });
  // The LA may not see the file once it belongs to a school outside its area, so say what happened.
  return {
    id: row.id,
    status: "available" as const,
    destination: { laestab: school.laestab, name: school.name },
  };
}

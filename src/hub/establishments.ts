/**
 * The directory of establishments and local authorities, loaded from the Get Information About
 * Schools (GIAS) "all establishment data" CSV and kept up to date by importing it again.
 */
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { inTransaction } from "../platform/change.js";
import { AppError, invalid } from "../platform/errors.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { canEditDirectory, canReportCorrection } from "./policies/service.js";
import type { Db, Tx } from "./schema.js";

export interface EstablishmentInput {
  laestab: string;
  urn: string | null;
  name: string;
  laCode: string;
  laName: string;
  type: string;
  status: "open" | "closed";
  independent: boolean;
  email?: string | null;
  town?: string | null;
}

export async function upsertEstablishment(
  db: Db | Tx,
  e: EstablishmentInput,
): Promise<"added" | "updated"> {
  const r = await upsertEstablishments(db, [e]);
  return r.added > 0 ? "added" : "updated";
}

/** Rows per statement: ten parameters a row stays well inside PostgreSQL's 65,535. */
const UPSERT_BATCH = 1000;

/** Adds or updates establishments (and their LAs) a batch per statement. */
export async function upsertEstablishments(
  db: Db | Tx,
  rows: EstablishmentInput[],
): Promise<{ added: number; updated: number }> {
  const las = new Map(rows.map((e) => [e.laCode, e.laName]));
  const laRows = [...las].map(([code, name]) => ({ code, name, email: null }));
  for (let i = 0; i < laRows.length; i += UPSERT_BATCH) {
    await db
      .insertInto("local_authorities")
      .values(laRows.slice(i, i + UPSERT_BATCH))
      .onConflict((oc) =>
        oc.column("code").doUpdateSet((eb) => ({ name: eb.ref("excluded.name") })),
      )
      .execute();
  }
  // The last row for a LAESTAB wins, as it did when rows were written one by one.
  const unique = [...new Map(rows.map((e) => [e.laestab, e])).values()];
  const now = new Date();
  let added = 0;
  for (let i = 0; i < unique.length; i += UPSERT_BATCH) {
    const done = await db
      .insertInto("establishments")
      .values(
        unique.slice(i, i + UPSERT_BATCH).map((e) => ({
          laestab: e.laestab,
          urn: e.urn,
          name: e.name,
          la_code: e.laCode,
          la_name: e.laName,
          type: e.type,
          status: e.status,
          independent: e.independent,
          email: e.email ?? null,
          town: e.town ?? null,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.column("laestab").doUpdateSet((eb) => ({
          urn: eb.ref("excluded.urn"),
          name: eb.ref("excluded.name"),
          la_code: eb.ref("excluded.la_code"),
          la_name: eb.ref("excluded.la_name"),
          type: eb.ref("excluded.type"),
          status: eb.ref("excluded.status"),
          independent: eb.ref("excluded.independent"),
          updated_at: eb.ref("excluded.updated_at"),
          // An e-mail set by an administrator survives a re-import that carries none.
          email: sql<string | null>`coalesce(excluded.email, establishments.email)`,
          town: sql<string | null>`coalesce(excluded.town, establishments.town)`,
        })),
      )
      // xmax is 0 on a row this statement inserted, and set on one it updated.
      .returning(sql<boolean>`(xmax = 0)`.as("inserted"))
      .execute();
    added += done.filter((d) => d.inserted).length;
  }
  return { added, updated: unique.length - added };
}

/** An establishment with the name and LAESTAB of its successor, when the directory knows one. */
function withSuccessor(db: Db) {
  return db
    .selectFrom("establishments as e")
    .leftJoin("establishments as s", (join) =>
      join.onRef("s.urn", "=", "e.successor_urn").on("e.successor_urn", "is not", null),
    )
    .selectAll("e")
    .select(["s.laestab as successor_laestab", "s.name as successor_name"]);
}

export async function findEstablishment(db: Db, laestab: string) {
  return withSuccessor(db).where("e.laestab", "=", laestab).executeTakeFirst();
}

/** By LAESTAB, URN, LA code (all of its establishments), or part of the name or the town, case aside. */
export async function searchEstablishments(db: Db, q: string, limit = 50) {
  const term = q.trim();
  let query = withSuccessor(db).orderBy("e.name").limit(limit);
  if (term !== "") {
    const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`.toLowerCase();
    query = query.where((eb) =>
      eb.or([
        eb("e.laestab", "=", term),
        eb("e.urn", "=", term),
        eb("e.la_code", "=", term),
        eb(sql`lower(e.name)`, "like", like),
        eb(sql`lower(e.town)`, "like", like),
      ]),
    );
  }
  return query.execute();
}

/**
 * Where an organisation's notices go: a school's directory e-mail, else every active user of the
 * school; for an LA (its LLLL form), the LA's e-mail, else every active user of the LA.
 */
/** Every active administrator's address: told of new administrators and of abuse. */
export async function administratorAddresses(db: Db): Promise<string[]> {
  const admins = await db
    .selectFrom("users")
    .select("email")
    .where("role", "=", "admin")
    .where("disabled", "=", false)
    .execute();
  return admins.map((a) => a.email);
}

export async function notificationAddresses(db: Db, laestab: string): Promise<string[]> {
  const laCode = laestab.slice(0, 3);
  const isLa = laestab.endsWith("LLLL");
  const own = isLa
    ? await db
        .selectFrom("local_authorities")
        .select("email")
        .where("code", "=", laCode)
        .executeTakeFirst()
    : await findEstablishment(db, laestab);
  if (own?.email) return [own.email];
  const users = await db
    .selectFrom("users")
    .select("email")
    .where(isLa ? "la_code" : "establishment", "=", isLa ? laCode : laestab)
    .where("disabled", "=", false)
    .execute();
  return users.map((u) => u.email);
}

export async function reportCorrection(ctx: HubContext, actor: Principal, text: string) {
  if (!canReportCorrection(actor) || !actor.establishment)
    throw new AppError("forbidden", "Only school users report corrections to their school.");
  const body = text.trim();
  if (body.length < 5 || body.length > 2000)
    throw invalid("Describe the correction in 5 to 2000 characters.", "text");
  const laestab = actor.establishment;
  return inTransaction(ctx, async ({ trx }) => {
    const row = await trx
      .insertInto("corrections")
      .values({ laestab, user_id: actor.userId, text: body })
      .returning(["id", "created_at"])
      .executeTakeFirstOrThrow();
    await audit(trx, actor, { action: "correction.report", target: `establishment:${laestab}` });
    return row;
  });
}

export interface ImportReport {
  added: number;
  updated: number;
  skipped: { line: number; reason: string }[];
}

const GIAS = {
  urn: "URN",
  laCode: "LA (code)",
  laName: "LA (name)",
  number: "EstablishmentNumber",
  name: "EstablishmentName",
  type: "TypeOfEstablishment (name)",
  group: "EstablishmentTypeGroup (name)",
  status: "EstablishmentStatus (name)",
  town: "Town",
} as const;

/** GIAS's links extract: one row a link between two establishments. */
const GIAS_LINKS = { urn: "URN", linkUrn: "LinkURN", type: "LinkType" } as const;

// Windows-1252's 0x80-0x9F, where it differs from Latin-1 (Node's decoder treats the two alike).
const CP1252_HIGH =
  "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
  "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

/** GIAS publishes its CSV in Windows-1252; accept that and UTF-8 alike. */
export function decodeGias(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes)
      .toString("latin1")
      .replace(/[\u0080-\u009F]/g, (c) => CP1252_HIGH.charAt(c.charCodeAt(0) - 0x80));
  }
}

export async function importGias(
  ctx: HubContext,
  actor: Principal | null,
  bytes: Uint8Array,
): Promise<ImportReport> {
  if (!canEditDirectory(actor)) throw new AppError("forbidden");
  const text = decodeGias(bytes).replace(/^\uFEFF/, "");
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as Record<string, string>[];
  } catch (e) {
    throw invalid(`The file is not a CSV: ${(e as Error).message}`);
  }
  const header = Object.keys(records[0] ?? {});
  if (header.includes(GIAS_LINKS.linkUrn) && header.includes(GIAS_LINKS.type))
    return importGiasLinks(ctx, actor, records);
  const missing = [GIAS.urn, GIAS.laCode, GIAS.laName, GIAS.number, GIAS.name].filter(
    (c) => !header.includes(c),
  );
  if (records.length > 0 && missing.length > 0) {
    throw invalid(
      `This is not a GIAS establishment extract: it has no ${missing.join(", ")} column.`,
    );
  }
  const report: ImportReport = { added: 0, updated: 0, skipped: [] };
  const rows: EstablishmentInput[] = [];
  for (const [i, r] of records.entries()) {
    const line = i + 2;
    const laCode = (r[GIAS.laCode] ?? "").trim();
    const number = (r[GIAS.number] ?? "").trim();
    const name = (r[GIAS.name] ?? "").trim();
    if (!/^\d{3}$/.test(laCode)) {
      report.skipped.push({ line, reason: `LA (code) "${laCode}" is not 3 digits` });
      continue;
    }
    if (!/^\d{1,4}$/.test(number)) {
      report.skipped.push({ line, reason: `no EstablishmentNumber (${name || "unnamed"})` });
      continue;
    }
    const type = (r[GIAS.type] ?? "").trim();
    const group = (r[GIAS.group] ?? "").trim();
    rows.push({
      laestab: `${laCode}${number.padStart(4, "0")}`,
      urn: (r[GIAS.urn] ?? "").trim() || null,
      name,
      laCode,
      laName: (r[GIAS.laName] ?? "").trim(),
      type,
      status: /^closed/i.test((r[GIAS.status] ?? "").trim()) ? "closed" : "open",
      independent: /independent/i.test(group) || /independent/i.test(type),
      town: (r[GIAS.town] ?? "").trim() || null,
    });
  }
  // All or nothing: a failure half-way leaves the directory as it was.
  await inTransaction(ctx, async ({ trx, notice }) => {
    const done = await upsertEstablishments(trx, rows);
    report.added = done.added;
    report.updated = done.updated;
    await audit(trx, actor, {
      action: "establishments.import",
      detail: { added: report.added, updated: report.updated, skipped: report.skipped.length },
    });
    notice("inbox:*");
  });
  return report;
}

/**
 * Records each establishment's successor from GIAS's links extract ("Successor" rows, and the
 * "Successor - ..." variants), so that a closed school points at the one that replaced it.
 */
async function importGiasLinks(
  ctx: HubContext,
  actor: Principal | null,
  records: Record<string, string>[],
): Promise<ImportReport> {
  const report: ImportReport = { added: 0, updated: 0, skipped: [] };
  const links: { urn: string; successor: string; line: number }[] = [];
  for (const [i, r] of records.entries()) {
    if (!/^successor/i.test((r[GIAS_LINKS.type] ?? "").trim())) continue;
    const urn = (r[GIAS_LINKS.urn] ?? "").trim();
    const successor = (r[GIAS_LINKS.linkUrn] ?? "").trim();
    if (!/^\d+$/.test(urn) || !/^\d+$/.test(successor)) {
      report.skipped.push({
        line: i + 2,
        reason: `URN "${urn}" or LinkURN "${successor}" is not a number`,
      });
      continue;
    }
    links.push({ urn, successor, line: i + 2 });
  }
  await inTransaction(ctx, async ({ trx }) => {
    for (const link of links) {
      const done = await trx
        .updateTable("establishments")
        .set({ successor_urn: link.successor })
        .where("urn", "=", link.urn)
        .executeTakeFirst();
      if (done.numUpdatedRows > 0n) report.updated++;
      else report.skipped.push({ line: link.line, reason: `no establishment has URN ${link.urn}` });
    }
    await audit(trx, actor, {
      action: "establishments.import",
      detail: { links: report.updated, skipped: report.skipped.length },
    });
  });
  return report;
}

/**
 * Lists of files that can grow without bound, read a page at a time by the database: what an
 * organisation sent (an LA's list holds its schools' files too) and, for an LA, what was sent to
 * its schools. Filtered by status and by the school at the other end, sorted by date either way.
 * Only file details, and each row is still put to the policies.
 */
import { type SqlBool, sql } from "kysely";
import { forbidden } from "../platform/errors.js";
import type { HubContext, Principal } from "./context.js";
import { canSeeTransfer, ownSource, RECEIVABLE_STATUSES } from "./policies/transfers.js";
import { namesPupil } from "./pupil-name-filter.js";
import { viewOf } from "./transfer-reads.js";
import { withNames } from "./transfer-view.js";

export type FileListScope = "sent" | "to-schools";

export interface FileListFilter {
  status?: string;
  /** The school (or LA) at the other end: the destination of a file sent, the school sent to. */
  party?: string;
  /** The school that sent it, for an LA looking at its schools' traffic. */
  from?: string;
  order: "newest" | "oldest";
  page: number;
  pageSize: number;
  /** A page past the end gives the last (a page's address); otherwise it is empty (the API). */
  clamp?: boolean;
  /** The schools at either end of any file of the list, for a page's filter. */
  withParties?: boolean;
  /** The start of a pupil's name (lower case): only the organisation's own files are searched. */
  pupilName?: string;
}

function scoped(ctx: HubContext, p: Principal, scope: FileListScope) {
  const q = withNames(ctx.db);
  if (scope === "sent") {
    if (p.role === "school" && p.establishment)
      return q.where("transfers.source_laestab", "=", p.establishment);
    // An LA's list holds what it sent itself and what its schools sent (it oversees them).
    if (p.role === "la" && p.laCode)
      return q.where(sql<SqlBool>`left(transfers.source_laestab, 3) = ${p.laCode}`);
    return undefined;
  }
  if (p.role !== "la" || !p.laCode) throw forbidden("Only a local authority has this view.");
  // A school's files once they passed their checks: those still being checked or failed are the
  // sender's business (and its own LA's, which sees them in its schools' sent files).
  return q
    .where("transfers.dest_kind", "=", "school")
    .where(sql<SqlBool>`left(transfers.dest_laestab, 3) = ${p.laCode}`)
    .where("transfers.status", "in", RECEIVABLE_STATUSES);
}

export async function fileList(
  ctx: HubContext,
  p: Principal,
  scope: FileListScope,
  f: FileListFilter,
) {
  const base = scoped(ctx, p, scope);
  if (!base) return { files: [], total: 0, page: 1, pages: 1, parties: [], senders: [] };
  let chosen = base;
  if (f.status) chosen = chosen.where("transfers.status", "=", f.status as never);
  if (f.party) chosen = chosen.where("transfers.dest_laestab", "=", f.party);
  if (f.from) chosen = chosen.where("transfers.source_laestab", "=", f.from);
  if (f.pupilName !== undefined) {
    // By a pupil's name, only in files the organisation itself sent (not an LA's schools').
    const own = ownSource(p);
    if (scope !== "sent" || own === undefined) throw forbidden();
    chosen = chosen.where("transfers.source_laestab", "=", own).where(namesPupil(f.pupilName));
  }
  const when = sql`coalesce(transfers.checked_at, transfers.created_at)`;
  const direction = f.order === "newest" ? "desc" : "asc";
  const ends = (end: "source" | "dest") =>
    f.withParties
      ? base
          .clearSelect()
          .select([
            `transfers.${end}_laestab as laestab`,
            `${end === "source" ? "src" : "dst"}.name as name`,
          ])
          .distinct()
          .execute()
      : [];
  const [counted, parties, senders] = await Promise.all([
    chosen
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
    ends("dest"),
    ends("source"),
  ]);
  const total = Number(counted.n);
  const pages = Math.max(1, Math.ceil(total / f.pageSize));
  const page = f.clamp ? Math.min(Math.max(1, f.page), pages) : Math.max(1, f.page);
  const rows = await chosen
    .orderBy(when, direction)
    .orderBy("transfers.id", direction)
    .limit(f.pageSize)
    .offset((page - 1) * f.pageSize)
    .execute();
  return {
    files: rows.filter((r) => canSeeTransfer(p, r)).map((r) => viewOf(p, r)),
    total,
    page,
    pages,
    parties: byName(parties),
    senders: byName(senders),
  };
}

const byName = (xs: { laestab: string; name: string | null }[]) =>
  xs.sort((a, b) => (a.name ?? a.laestab).localeCompare(b.name ?? b.laestab));

/**
 * An LA's view of its schools' traffic for its home page: files to its schools and files from
 * them, newest first, with counts of what needs its attention: new entries in the Lost Pupils
 * database and the out-of-sector register from its schools since the user last looked, files
 * that failed their checks or were rejected, and files waiting more than 15 school days to be
 * downloaded. File details only: no pupil's data, so nothing here is a look at pupils.
 */
import { sql } from "kysely";
import { DUE_SCHOOL_DAYS, englandDay, usualSchoolDaysBetween } from "../ctf/school-days.js";
import { forbidden } from "../platform/errors.js";
import type { HubContext, Principal } from "./context.js";
import { fileList } from "./transfer-list.js";
import type { TransferView } from "./transfer-view.js";

const LISTED = 10;

// The home page shows file details only; the file's page is where pupils are looked at (audited).
const detailsOnly = (t: TransferView): TransferView => ({ ...t, errors: [], warnings: [] });

export async function laOverview(ctx: HubContext, p: Principal) {
  if (p.role !== "la" || !p.laCode) throw forbidden("Only a local authority has this view.");
  const la = p.laCode;
  const ofLa = (column: "source_laestab" | "dest_laestab") =>
    sql<boolean>`left(transfers.${sql.ref(column)}, 3) = ${la}`;
  const seen = await ctx.db
    .selectFrom("users")
    .select("home_seen_at")
    .where("id", "=", p.userId)
    .executeTakeFirst();
  const since = seen?.home_seen_at ?? new Date(0);
  const newest = { order: "newest", page: 1, pageSize: LISTED } as const;
  const [toSchools, fromSchools, waiting, counts] = await Promise.all([
    fileList(ctx, p, "to-schools", newest),
    fileList(ctx, p, "sent", newest),
    ctx.db
      .selectFrom("transfers")
      .select(["id", "checked_at", "created_at"])
      .where(ofLa("dest_laestab"))
      .where("status", "=", "available")
      .execute(),
    ctx.db
      .selectFrom("transfers")
      .select((eb) => [
        eb.fn
          .countAll<number>()
          .filterWhere("status", "in", ["lost", "outside"])
          .filterWhere("created_at", ">", since)
          .as("newInRegisters"),
        // Those still held: once deleted, there is nothing left to follow up.
        eb.fn
          .countAll<number>()
          .filterWhere("status", "=", "failed")
          .filterWhere("purged_at", "is", null)
          .as("failed"),
        eb.fn
          .countAll<number>()
          .filterWhere("status", "=", "rejected")
          .filterWhere("purged_at", "is", null)
          .as("rejected"),
      ])
      .where(ofLa("source_laestab"))
      .executeTakeFirstOrThrow(),
  ]);
  const today = englandDay(ctx.clock());
  const overdue = waiting.filter(
    (t) =>
      usualSchoolDaysBetween(englandDay(t.checked_at ?? t.created_at), today) > DUE_SCHOOL_DAYS,
  ).length;
  await ctx.db
    .updateTable("users")
    .set({ home_seen_at: ctx.clock() })
    .where("id", "=", p.userId)
    .execute();
  return {
    toSchools: { files: toSchools.files.map(detailsOnly), total: toSchools.total },
    fromSchools: { files: fromSchools.files.map(detailsOnly), total: fromSchools.total },
    counts: {
      newInRegisters: Number(counts.newInRegisters),
      failed: Number(counts.failed),
      rejected: Number(counts.rejected),
      waitingOverDue: overdue,
    },
    since: seen?.home_seen_at?.toISOString() ?? null,
  };
}

/**
 * The leavers' report: who left in an academic year, when, why, to where, and whether their
 * file arrived. An office prints it for the head or the LA; each row is a pupil, so reading it
 * is a read of pupils' data and is audited.
 */
import { meaningOf } from "../ctf/code-sets.js";
import { invalid } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import { schoolToday } from "./calendar.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { destinationNamer } from "./destination-names.js";
import { type FileState, leaverFileStates } from "./leaver-files.js";

/** The academic year a day falls in, by its first calendar year: 1 September to 31 August. */
export function academicYearOf(day: string): number {
  const [y, m] = day.split("-").map(Number) as [number, number];
  return m >= 9 ? y : y - 1;
}

/** An academic year as an office writes it: 2026/27. */
export const yearLabel = (year: number) => `${year}/${String(year + 1).slice(2)}`;

export async function leaversReport(
  ctx: MisContext,
  actor: MisPrincipal,
  year: number = academicYearOf(schoolToday(ctx)),
) {
  if (!Number.isInteger(year) || year < 2000 || year > 2100)
    throw invalid("Choose an academic year by its first year, such as 2026 for 2026/27.", "year");
  const from = `${year}-09-01`;
  const to = `${year + 1}-08-31`;
  const rows = await ctx.db
    .selectFrom("pupils")
    .select(["id", "upn", "surname", "forename", "leaving_date", "leaving_reason"])
    .select("leaving_destination")
    .where("leaving_date", ">=", from)
    .where("leaving_date", "<=", to)
    .orderBy("leaving_date")
    .orderBy("surname")
    .execute();
  const [files, named] = await Promise.all([
    rows.length === 0
      ? new Map<string, FileState>()
      : leaverFileStates(
          ctx,
          rows.map((r) => r.id),
        ),
    destinationNamer(ctx),
  ]);
  const leavers = rows.map((r) => {
    const file = files.get(r.id);
    return {
      id: r.id,
      upn: r.upn,
      surname: r.surname,
      forename: r.forename,
      leavingDate: r.leaving_date as string,
      reason: r.leaving_reason,
      reasonText: r.leaving_reason
        ? (meaningOf("LeavingReason", r.leaving_reason) ?? r.leaving_reason)
        : null,
      destination: r.leaving_destination,
      destinationName: r.leaving_destination ? named(r.leaving_destination) : null,
      file: file ?? { kind: "not-sent" as const, text: "Not exported yet." },
    };
  });
  await misAudit(ctx.db, actor, "leavers.report", `year:${year}`, { pupils: leavers.length });
  return {
    year,
    label: yearLabel(year),
    previous: { year: year - 1, label: yearLabel(year - 1) },
    next: { year: year + 1, label: yearLabel(year + 1) },
    leavers,
    arrived: leavers.filter((l) => l.file.kind === "arrived").length,
  };
}

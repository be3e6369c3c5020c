/**
 * Leavers whose CTF is overdue: the new school should have it within 15 school days of the
 * pupil leaving. A leaver is overdue once more than 15 school days have passed and no file
 * holding them has been downloaded by its destination (or taken by the Lost Pupils database or
 * the out-of-sector register, which is all a school can do for those).
 */

import { DUE_SCHOOL_DAYS } from "../ctf/school-days.js";
import { closuresBetween, schoolDaysBetween, schoolToday } from "./calendar.js";
import type { MisContext } from "./context.js";
import { destinationNamer } from "./destination-names.js";
import { fileStateOf, leaverFileStates } from "./leaver-files.js";

export async function overdueLeavers(ctx: MisContext) {
  const today = schoolToday(ctx);
  const leavers = await ctx.db
    .selectFrom("pupils")
    .select(["id", "upn", "surname", "forename", "leaving_date", "leaving_destination"])
    .where("leaving_date", "is not", null)
    .where("leaving_date", "<=", today)
    .execute();
  if (leavers.length === 0) return [];
  const files = await leaverFileStates(ctx);
  const earliest = leavers.map((l) => l.leaving_date as string).sort()[0] as string;
  const closures = await closuresBetween(ctx, earliest, today);
  const named = await destinationNamer(ctx);
  return leavers
    .filter((l) => files.get(l.id)?.kind !== "arrived")
    .map((l) => ({
      id: l.id,
      upn: l.upn,
      surname: l.surname,
      forename: l.forename,
      destination: l.leaving_destination,
      destinationName: named(l.leaving_destination ?? ""),
      leavingDate: l.leaving_date as string,
      schoolDaysSince: schoolDaysBetween(l.leaving_date as string, today, closures),
      // "You have not sent it" and "they have not collected it" call for different things.
      file: files.get(l.id) ?? fileStateOf(undefined),
    }))
    .filter((l) => l.schoolDaysSince > DUE_SCHOOL_DAYS)
    .sort((a, b) => b.schoolDaysSince - a.schoolDaysSince);
}

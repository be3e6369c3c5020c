/**
 * The school's calendar, for counting school days. England's usual pattern fills any academic
 * year the school has not given dates for: autumn term with a half term at the end of October
 * and two weeks at Christmas, spring with a half term in mid-February and two weeks around
 * Easter, summer with the late-May half term, bank holidays, and the summer holiday from about
 * 23 July. Real dates differ by a few days from LA to LA: the school edits them.
 */

import { isDate } from "../ctf/checker.js";
import {
  type Closure,
  englandClosures,
  englandDay,
  schoolDaysBetween,
  schoolYearOf,
  usualClosuresBetween,
} from "../ctf/school-days.js";
import { checkAll, invalid, isId, notFound } from "../platform/errors.js";
import type { MisContext } from "./context.js";

export { type Closure, englandClosures, schoolDaysBetween, schoolYearOf };

/** Today's date at the school (England's clock, not the server's), as YYYY-MM-DD. */
export function schoolToday(ctx: Pick<MisContext, "clock">): string {
  return englandDay(ctx.clock());
}

/** The closures between two dates: the school's own, England's usual for years it has not set. */
export async function closuresBetween(
  ctx: MisContext,
  from: string,
  to: string,
): Promise<Closure[]> {
  const own = await ctx.db
    .selectFrom("closures")
    .select(["first_day", "last_day", "kind", "label"])
    .where("last_day", ">=", from)
    .where("first_day", "<=", to)
    .execute();
  const given = new Set(own.map((c) => schoolYearOf(new Date(`${c.first_day}T00:00:00Z`))));
  const usual = usualClosuresBetween(from, to, given);
  return [
    ...own.map((c) => ({
      firstDay: c.first_day,
      lastDay: c.last_day,
      kind: c.kind,
      label: c.label,
    })),
    ...usual,
  ];
}

export async function addClosure(ctx: MisContext, input: Closure) {
  await checkAll(
    () => {
      if (!isDate(input.firstDay))
        throw invalid("Enter the first day as a real date (YYYY-MM-DD in the API).", "firstDay");
    },
    () => {
      if (!isDate(input.lastDay))
        throw invalid("Enter the last day as a real date (YYYY-MM-DD in the API).", "lastDay");
      if (isDate(input.firstDay) && input.lastDay < input.firstDay)
        throw invalid("The last day is a date on or after the first.", "lastDay");
    },
    () => {
      if (!["holiday", "half-term", "inset", "bank-holiday"].includes(input.kind))
        throw invalid("A closure is a holiday, half-term, inset or bank-holiday.", "kind");
    },
  );
  const row = await ctx.db
    .insertInto("closures")
    .values({
      first_day: input.firstDay,
      last_day: input.lastDay,
      kind: input.kind,
      label: input.label.trim() || input.kind,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, ...input };
}

export async function removeClosure(ctx: MisContext, id: string): Promise<void> {
  if (!isId(id)) throw notFound();
  const r = await ctx.db.deleteFrom("closures").where("id", "=", id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw notFound();
}

/** The school's own closures in an academic year (2026 for 2026/27), with their ids. */
export async function ownClosures(ctx: MisContext, year: number) {
  const rows = await ctx.db
    .selectFrom("closures")
    .select(["id", "first_day", "last_day", "kind", "label"])
    .where("first_day", ">=", `${year}-09-01`)
    .where("first_day", "<=", `${year + 1}-08-31`)
    .orderBy("first_day")
    .execute();
  return rows.map((c) => ({
    id: c.id,
    firstDay: c.first_day,
    lastDay: c.last_day,
    kind: c.kind,
    label: c.label,
  }));
}

/**
 * Makes England's usual dates for a year the school's own, so that it can change them: the
 * school's own dates replace the usual ones for the whole year, so a school that adds one INSET
 * day must not lose its holidays. Does nothing for a year that has dates of its own.
 */
export async function adoptUsualYear(ctx: MisContext, year: number): Promise<void> {
  if ((await ownClosures(ctx, year)).length > 0) return;
  const usual = englandClosures(year);
  await ctx.db
    .insertInto("closures")
    .values(
      usual.map((c) => ({
        first_day: c.firstDay,
        last_day: c.lastDay,
        kind: c.kind,
        label: c.label,
      })),
    )
    .execute();
}

/**
 * The school's calendar, for counting school days. England's usual pattern fills any academic
 * year the school has not given dates for: autumn term with a half term at the end of October
 * and two weeks at Christmas, spring with a half term in mid-February and two weeks around
 * Easter, summer with the late-May half term, bank holidays, and the summer holiday from about
 * 23 July. Real dates differ by a few days from LA to LA: the school edits them.
 */
import type { ClosureKind } from "../db/mis-schema.js";
import { invalid, isId, notFound } from "../errors.js";
import type { MisContext } from "./context.js";

export interface Closure {
  firstDay: string;
  lastDay: string;
  kind: ClosureKind;
  label: string;
}

/** Today's date at the school (England's clock, not the server's), as YYYY-MM-DD. */
export function schoolToday(ctx: Pick<MisContext, "clock">): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/London",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(ctx.clock());
}

const DAY = 86_400_000;
const iso = (d: Date) => d.toISOString().slice(0, 10);
const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * DAY);

/** Easter Sunday (Gregorian), by the anonymous algorithm. */
function easter(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(year, month, day);
}

/** The Monday of the week holding `d`. */
function mondayOf(d: Date): Date {
  return addDays(d, -((d.getUTCDay() + 6) % 7));
}

/** The last Monday of a month. */
function lastMonday(year: number, month: number): Date {
  return mondayOf(utc(year, month + 1, 0));
}

/** England's usual closures for the academic year starting in September of `year`. */
export function englandClosures(year: number): Closure[] {
  const week = (monday: Date, kind: ClosureKind, label: string): Closure => ({
    firstDay: iso(monday),
    lastDay: iso(addDays(monday, 4)),
    kind,
    label,
  });
  const christmas = mondayOf(utc(year, 12, 22));
  const sunday = easter(year + 1);
  return [
    week(lastMonday(year, 10), "half-term", "Autumn half term"),
    {
      firstDay: iso(christmas),
      lastDay: iso(addDays(christmas, 11)),
      kind: "holiday",
      label: "Christmas holiday",
    },
    week(mondayOf(utc(year + 1, 2, 16)), "half-term", "Spring half term"),
    {
      firstDay: iso(addDays(sunday, -6)),
      lastDay: iso(addDays(sunday, 8)),
      kind: "holiday",
      label: "Easter holiday",
    },
    {
      firstDay: iso(mondayOf(utc(year + 1, 5, 7))),
      lastDay: iso(mondayOf(utc(year + 1, 5, 7))),
      kind: "bank-holiday",
      label: "Early May bank holiday",
    },
    week(lastMonday(year + 1, 5), "half-term", "Summer half term"),
    {
      firstDay: iso(utc(year + 1, 7, 23)),
      lastDay: iso(utc(year + 1, 9, 2)),
      kind: "holiday",
      label: "Summer holiday",
    },
  ];
}

/** The school year a day falls in, by its September (2026 for 2026/27). */
export const schoolYearOf = (d: Date) =>
  d.getUTCMonth() >= 8 ? d.getUTCFullYear() : d.getUTCFullYear() - 1;

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
  const usual: Closure[] = [];
  for (
    let y = schoolYearOf(new Date(`${from}T00:00:00Z`));
    y <= schoolYearOf(new Date(`${to}T00:00:00Z`));
    y++
  )
    if (!given.has(y)) usual.push(...englandClosures(y));
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

/** School days after `from` up to and including `to`: weekdays the school is open. */
export function schoolDaysBetween(from: string, to: string, closures: Closure[]): number {
  let days = 0;
  for (let d = addDays(new Date(`${from}T00:00:00Z`), 1); iso(d) <= to; d = addDays(d, 1)) {
    const day = d.getUTCDay();
    if (day === 0 || day === 6) continue;
    const date = iso(d);
    if (closures.some((c) => c.firstDay <= date && date <= c.lastDay)) continue;
    days++;
  }
  return days;
}

export async function addClosure(ctx: MisContext, input: Closure) {
  const ok = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));
  if (!ok(input.firstDay))
    throw invalid("Enter the first day as a real date (YYYY-MM-DD in the API).", "firstDay");
  if (!ok(input.lastDay) || input.lastDay < input.firstDay)
    throw invalid("The last day is a date on or after the first.", "lastDay");
  if (!["holiday", "half-term", "inset", "bank-holiday"].includes(input.kind))
    throw invalid("A closure is a holiday, half-term, inset or bank-holiday.", "kind");
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

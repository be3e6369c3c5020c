/**
 * England's school days, for the 15-school-day rule on sending a leaver's CTF: the usual pattern
 * of an academic year (autumn term with a half term at the end of October and two weeks at
 * Christmas, spring with a half term in mid-February and two weeks around Easter, summer with the
 * late-May half term, bank holidays, and the summer holiday from about 23 July), and a count of
 * school days between two dates. A school side replaces the usual dates with its own; the hub,
 * which knows no school's calendar, counts with the usual ones.
 */

/** A leaver's CTF is due at the new school within 15 school days (the Education (Pupil
 * Information) (England) Regulations 2005). */
export const DUE_SCHOOL_DAYS = 15;

const ENGLAND_DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/London",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** The day a moment falls on in England (not on the server's clock), as YYYY-MM-DD. */
export const englandDay = (d: Date): string => ENGLAND_DAY.format(d);

const DAY_IN_WORDS = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "Europe/London",
});

/** That day in words, as pages and e-mails give dates: "1 January 2027". */
export const englandDayInWords = (d: Date): string => DAY_IN_WORDS.format(d);

/** A day written YYYY-MM-DD, in words ("20 October 2026"), for messages a person reads. */
export const dayInWords = (day: string): string =>
  /^\d{4}-\d{2}-\d{2}$/.test(day) ? englandDayInWords(new Date(`${day}T12:00:00Z`)) : day;

export type ClosureKind = "holiday" | "half-term" | "inset" | "bank-holiday";

export interface Closure {
  firstDay: string;
  lastDay: string;
  kind: ClosureKind;
  label: string;
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

/**
 * England's usual closures for every school year from `from` to `to`, but those of the years in
 * `given` (a school that set its own dates for them).
 */
export function usualClosuresBetween(
  from: string,
  to: string,
  given: ReadonlySet<number> = new Set(),
): Closure[] {
  const closures: Closure[] = [];
  for (
    let y = schoolYearOf(new Date(`${from}T00:00:00Z`));
    y <= schoolYearOf(new Date(`${to}T00:00:00Z`));
    y++
  )
    if (!given.has(y)) closures.push(...englandClosures(y));
  return closures;
}

/** School days after `from` up to `to`, with England's usual closures for the years between. */
export function usualSchoolDaysBetween(from: string, to: string): number {
  return schoolDaysBetween(from, to, usualClosuresBetween(from, to));
}

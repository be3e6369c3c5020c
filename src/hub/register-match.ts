/**
 * How well a pupil in a register answers a description of a child: a score, the reasons in words,
 * and a certainty, in the shape of DfE's own matcher. A UPN (or former UPN) with the date of birth
 * is certain; names (exact, one or two letters out, sounding alike, former or preferred, forename
 * and surname swapped) with a date of birth (exact, day and month swapped, or a few days out)
 * are probable. Pure functions: the LA's search ranks with them, and so can the matcher.
 */

export interface Described {
  surname?: string;
  forename?: string;
  dob?: string;
  sex?: string;
  upn?: string;
}

export interface Candidate {
  upn: string | null;
  formerUpn: string | null;
  surname: string;
  forename: string;
  formerSurname: string | null;
  preferredSurname: string | null;
  preferredForename: string | null;
  dob: string | null;
  sex: string | null;
}

export type Certainty = "certain" | "probable" | "possible";

export interface Scored {
  score: number;
  certainty: Certainty;
  /** In words, quoting the names that matched: for the LA who searched. */
  reasons: string[];
  /** The same without any name ("surname, one letter out"): for what is kept and mailed. */
  plain: string[];
  /** Which of the criteria asked the entry meets (a swap meets both names). */
  met: { upn: boolean; surname: boolean; forename: boolean; date: boolean };
}

/** A date a few days out is still the child's: a birth date typed from a form, one key off. */
export const NEAR_DATE_DAYS = 3;

/** The dates a search for `dob` looks at: itself, a few days either side, and day and month swapped. */
export function datesNear(dob: string): { from: string; to: string; swapped?: string } {
  const at = Date.parse(`${dob}T00:00:00Z`);
  const day = (d: number) => new Date(at + d * 86_400_000).toISOString().slice(0, 10);
  const swapped = swappedDate(dob);
  return {
    from: day(-NEAR_DATE_DAYS),
    to: day(NEAR_DATE_DAYS),
    ...(swapped ? { swapped } : {}),
  };
}

/** 2015-03-07 read as 2015-07-03: possible only when the day could be a month. */
export function swappedDate(dob: string): string | undefined {
  const [y, m, d] = dob.split("-");
  if (!y || !m || !d || Number(d) > 12 || m === d) return undefined;
  const other = `${y}-${d}-${m}`;
  return Number.isNaN(Date.parse(`${other}T00:00:00Z`)) ? undefined : other;
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** Soundex as PostgreSQL's fuzzystrmatch computes it, so the index and the score agree. */
export function soundex(name: string): string {
  const TABLE = "01230120022455012623010202";
  const code = (c: string | undefined) =>
    c !== undefined && c >= "A" && c <= "Z" ? (TABLE[c.charCodeAt(0) - 65] as string) : c;
  const s = name.toUpperCase();
  let i = 0;
  while (i < s.length && !/[A-Z]/.test(s[i] as string)) i++;
  if (i === s.length) return "";
  let out = s[i] as string;
  for (i++; i < s.length && out.length < 4; i++) {
    const c = s[i] as string;
    if (/[A-Z]/.test(c) && code(c) !== code(s[i - 1])) {
      const k = code(c) as string;
      if (k !== "0") out += k;
    }
  }
  return out.padEnd(4, "0");
}

/** How close one name is to the one asked: points, and how it is said. */
function nameScore(asked: string, name: string | null, points: number): [number, string] {
  if (!name) return [0, ""];
  const n = name.toLowerCase();
  if (n === asked) return [points, "exact"];
  const d = levenshtein(n, asked);
  if (d === 1) return [Math.round(points * 0.75), "one letter out"];
  if (d === 2 && asked.length >= 6) return [Math.round(points * 0.45), "two letters out"];
  if (soundex(n) === soundex(asked)) return [Math.round(points * 0.5), "sounds alike"];
  return [0, ""];
}

function best(asked: string, names: [string, string | null][], points: number) {
  let top: { score: number; label: string; how: string; name: string } = {
    score: 0,
    label: "",
    how: "",
    name: "",
  };
  for (const [label, name] of names) {
    const [score, how] = nameScore(asked, name, points);
    if (score > top.score) top = { score, label, how, name: name ?? "" };
  }
  return top;
}

function dateScore(asked: string, dob: string | null): [number, string] {
  if (!dob) return [0, ""];
  if (dob === asked) return [25, "date of birth"];
  if (swappedDate(asked) === dob) return [20, "date of birth with day and month swapped"];
  const days = Math.abs(Date.parse(dob) - Date.parse(asked)) / 86_400_000;
  if (days <= NEAR_DATE_DAYS)
    return [16 - 2 * days, `born ${days} day${days === 1 ? "" : "s"} from the date given`];
  return [0, ""];
}

export function scoreCandidate(q: Described, c: Candidate): Scored {
  const reasons: string[] = [];
  const plain: string[] = [];
  const say = (reason: string, withoutNames = reason) => {
    reasons.push(reason);
    plain.push(withoutNames);
  };
  let score = 0;
  const upn = q.upn?.toUpperCase();
  const upnMatched = Boolean(upn && (c.upn === upn || c.formerUpn === upn));
  if (upnMatched) {
    score += 60;
    say(c.upn === upn ? "UPN" : "former UPN");
  }
  const surname = q.surname?.trim().toLowerCase() ?? "";
  const forename = q.forename?.trim().toLowerCase() ?? "";
  const surnames: [string, string | null][] = [
    ["surname", c.surname],
    ["former surname", c.formerSurname],
    ["preferred surname", c.preferredSurname],
  ];
  const forenames: [string, string | null][] = [
    ["forename", c.forename],
    ["preferred forename", c.preferredForename],
  ];
  const s = surname ? best(surname, surnames, 25) : undefined;
  const f = forename ? best(forename, forenames, 15) : undefined;
  // Forename and surname the wrong way round: each asked name matches the other.
  const swapped =
    surname && forename ? [best(surname, forenames, 25), best(forename, surnames, 15)] : undefined;
  const straight = (s?.score ?? 0) + (f?.score ?? 0);
  const crossed = swapped ? (swapped[0]?.score ?? 0) + (swapped[1]?.score ?? 0) - 4 : 0;
  let named = false;
  let forenamed = false;
  if (
    swapped &&
    crossed > straight &&
    (swapped[0]?.score ?? 0) > 0 &&
    (swapped[1]?.score ?? 0) > 0
  ) {
    score += crossed;
    named = true;
    forenamed = true;
    say("forename and surname swapped");
  } else {
    named = (s?.score ?? 0) > 0;
    forenamed = (f?.score ?? 0) > 0;
    for (const [m, asked] of [
      [s, surname],
      [f, forename],
    ] as const) {
      if (!m || m.score === 0) continue;
      score += m.score;
      say(
        m.how === "exact" ? `${m.label} "${m.name}"` : `${m.label} "${m.name}", like "${asked}"`,
        m.how === "exact" ? m.label : `${m.label}, ${m.how}`,
      );
    }
  }
  let dateMatched = false;
  if (q.dob) {
    const [points, reason] = dateScore(q.dob, c.dob);
    score += points;
    dateMatched = points > 0;
    if (reason) say(reason);
  }
  if (q.sex && c.sex) {
    if (q.sex.toUpperCase() === c.sex) {
      score += 3;
      say("sex");
    } else score -= 10;
  }
  const certainty: Certainty =
    upnMatched && c.dob === q.dob
      ? "certain"
      : dateMatched && named && score >= 40
        ? "probable"
        : "possible";
  return {
    score,
    certainty,
    reasons,
    plain,
    met: { upn: upnMatched, surname: named, forename: forenamed, date: dateMatched },
  };
}

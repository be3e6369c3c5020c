/**
 * The Lost Pupils database and the out-of-sector register: files sent to XXXXXXX or MMMMMMM,
 * searched by local authorities for a child who has turned up at one of their schools, then
 * passed on to that school. Names are matched loosely (spelling, sound), dates exactly.
 */
import { type RawBuilder, sql } from "kysely";
import { isDate } from "../ctf/checker.js";
import { inTransaction } from "../platform/change.js";
import { AppError, forbidden, invalid, notFound, requireId } from "../platform/errors.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import { tellDestination } from "./check-upload.js";
import type { HubContext, Principal } from "./context.js";
import { administratorAddresses, findEstablishment } from "./establishments.js";
import { searchLimitMessage } from "./messages.js";
import { canSearchRegisters } from "./policies/registers.js";
import { canRedirect, canRedirectTo } from "./policies/transfers.js";
import { type Described, datesNear, type Scored, scoreCandidate } from "./register-match.js";
import { tellKeeper } from "./register-notices.js";
import type { Db } from "./schema.js";
import { transition } from "./transfer-actions.js";

export interface LostPupilQuery {
  surname?: string;
  forename?: string;
  sex?: string;
  dob?: string;
  dobFrom?: string;
  dobTo?: string;
  upn?: string;
  /** The sending school's LAESTAB, or an LA's 3-digit code for any of its schools. */
  from?: string;
  /** Only the Lost Pupils database ("lost") or only the out-of-sector register ("outside"). */
  register?: string;
  /** Which page of 20 ranked results, from 1. */
  page?: number;
}

export const SEARCH_PAGE_SIZE = 20;
/** Candidates scored for one search, newest first: a date's block holds a few hundred at most. */
const CANDIDATES = 2000;
/** Searches one LA user may make in an hour; the service is alerted when one reaches it. */
export const SEARCHES_PER_HOUR = 60;

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
    // A date's shape is not enough: 2015-02-30 has one, and reached the database as a 500.
    if (v !== undefined && v !== "" && !isDate(v))
      throw invalid(`${label} must be a real date, as YYYY-MM-DD (${key}).`, key);
  }
  const surname = q.surname?.trim().toLowerCase() ?? "";
  const forename = q.forename?.trim().toLowerCase() ?? "";
  const upn = q.upn?.trim().toUpperCase() ?? "";
  const from = q.from?.trim() ?? "";
  if (from && !/^\d{3}(\d{4})?$/.test(from))
    throw invalid(
      "The sending school is its 7-digit LA and establishment number, or an LA's 3-digit code.",
      "from",
    );
  const register = q.register?.trim() ? registerOf(q.register.trim()) : undefined;
  requireEnoughToIdentify(surname, upn, q);
  const page = Math.max(1, Math.min(50, Math.floor(q.page ?? 1)));
  await withinSearchLimit(ctx, p);
  const ranked = await rankRegisters(ctx.db, {
    surname,
    forename,
    upn,
    from,
    ...(register ? { register } : {}),
    ...(q.dob ? { dob: q.dob } : {}),
    ...(q.dobFrom ? { dobFrom: q.dobFrom } : {}),
    ...(q.dobTo ? { dobTo: q.dobTo } : {}),
    ...(q.sex ? { sex: q.sex } : {}),
  });
  const shown = ranked.slice((page - 1) * SEARCH_PAGE_SIZE, page * SEARCH_PAGE_SIZE);
  const more = ranked.length > page * SEARCH_PAGE_SIZE;
  const { page: _page, ...given } = q;
  // Which criteria were given, each as a keyed digest: a search names a child, and the log is
  // kept for years; the digest still shows, to whoever holds the key, who searched for whom.
  const criteria = Object.fromEntries(
    Object.entries(given)
      .filter(([, v]) => v !== undefined && v !== null && v !== "")
      .map(([k, v]) => [k, ctx.secrets.digest(String(v))]),
  );
  await audit(ctx.db, p, {
    action: "search",
    detail: { register: "lost-pupils", criteria, page, results: shown.length },
  });
  return {
    pupils: shown.map(({ c, m }) => {
      const {
        formerUpn: _u,
        formerSurname: _s,
        preferredSurname: _p,
        preferredForename: _f,
        position: _n,
        ...r
      } = c;
      return { ...r, receivedAt: r.receivedAt.toISOString(), why: whyItMatched(m, q, from) };
    }),
    page,
    more,
  };
}

/** A search's criteria, checked and normalised: names lower case, the UPN upper case. */
export interface RegisterQuery {
  surname: string;
  forename: string;
  upn: string;
  from: string;
  register?: "lost" | "outside";
  dob?: string;
  dobFrom?: string;
  dobTo?: string;
  sex?: string;
}

/**
 * The registers' pupils that answer `q`, best first, each with its score and reasons. Found by
 * one index (the UPN, the dates near the one given, or the surname within a range of dates), then
 * scored (register-match.ts): a national register is never read whole.
 */
export async function rankRegisters(db: Db, q: RegisterQuery) {
  const { surname, forename, upn, from, register } = q;
  let query = registerEntries(db)
    .select([
      "tp.former_upn as formerUpn",
      "tp.former_surname as formerSurname",
      "tp.preferred_surname as preferredSurname",
      "tp.preferred_forename as preferredForename",
      "tp.position",
    ])
    .where("t.status", "in", register ? [register] : ["lost", "outside"]);
  if (from.length === 7) query = query.where("t.source_laestab", "=", from);
  else if (from) query = query.where(sql`left(t.source_laestab, 3)`, "=", from);
  // One way in, by an index: the UPN, else the dates near the one given (a few days either side,
  // and day and month swapped), else the surname's sound or trigrams within the range of dates.
  // The candidates are then scored and ranked (register-match.ts).
  if (upn)
    query = query.where((eb) => eb.or([eb("tp.upn", "=", upn), eb("tp.former_upn", "=", upn)]));
  else if (q.dob) {
    const near = datesNear(q.dob);
    query = query.where((eb) =>
      eb.or([
        eb.between("tp.dob", near.from, near.to),
        ...(near.swapped ? [eb("tp.dob", "=", near.swapped)] : []),
      ]),
    );
    // Within the dates, only those with a name like the surname asked (as any of their names,
    // forenames too, for names given the wrong way round): at national scale a week's births
    // are thousands, and scoring them all here would cost more than the database's look.
    if (surname) query = query.where(nameLike(surname));
  } else {
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`lower(tp.surname) % ${surname}`,
        eb(sql`soundex(tp.surname)`, "=", sql`soundex(${surname})`),
        sql<boolean>`lower(tp.former_surname) % ${surname}`,
        sql<boolean>`lower(tp.preferred_surname) % ${surname}`,
      ]),
    );
  }
  if (q.sex) query = query.where("tp.sex", "=", q.sex.toUpperCase());
  if (q.dobFrom) query = query.where("tp.dob", ">=", q.dobFrom);
  if (q.dobTo) query = query.where("tp.dob", "<=", q.dobTo);
  const candidates = await query.orderBy("t.created_at", "desc").limit(CANDIDATES).execute();
  const described: Described = { surname, forename, upn, sex: q.sex, dob: q.dob };
  return (
    candidates
      .map((c) => ({ c, m: scoreCandidate(described, c) }))
      // Each criterion given must be met: a date alone never lists the children born near it.
      .filter(({ m }) => meetsEveryCriterion(m, described))
      .sort(
        (x, y) =>
          y.m.score - x.m.score ||
          y.c.receivedAt.getTime() - x.c.receivedAt.getTime() ||
          x.c.position - y.c.position,
      )
  );
}

/** Any of a register pupil's (`tp`) names within two letters of `name`, or sounding like it. */
export function nameLike(name: string | RawBuilder<string>) {
  const near = (column: string) =>
    sql<boolean>`(levenshtein(lower(${sql.ref(column)}), ${name}) <= 2 or soundex(${sql.ref(column)}) = soundex(${name}))`;
  const names = [
    "tp.surname",
    "tp.former_surname",
    "tp.preferred_surname",
    "tp.forename",
    "tp.preferred_forename",
  ];
  return sql<boolean>`(${sql.join(names.map(near), sql` or `)})`;
}

/** Which register is meant: the Lost Pupils database or the out-of-sector register. */
function registerOf(v: string): "lost" | "outside" {
  if (v === "lost" || v === "outside") return v;
  throw invalid(
    'The register is "lost" (the Lost Pupils database) or "outside" (out of sector).',
    "register",
  );
}

/** A register's pupils as a result lists them: the pupil, their file and its sending school. */
function registerEntries(db: Db) {
  return db
    .selectFrom("transfer_pupils as tp")
    .innerJoin("transfers as t", "t.id", "tp.transfer_id")
    .leftJoin("establishments as e", "e.laestab", "t.source_laestab")
    .select([
      "t.id as transferId",
      "t.status",
      "t.source_laestab as sourceLaestab",
      "e.name as sourceName",
      "t.created_at as receivedAt",
      "tp.upn",
      "tp.surname",
      "tp.forename",
      "tp.dob",
      "tp.sex",
      "tp.nc_year as ncYear",
    ]);
}

/**
 * One register's entries from this LA's own schools, newest first, 20 to a page: what its
 * schools sent with no known destination, to follow up. Not the whole national register: that
 * is searched for one child at a time. Audited, and counted as a search.
 */
export async function browseRegister(
  ctx: HubContext,
  p: Principal,
  input: { register: string; page?: number },
) {
  if (!canSearchRegisters(p) || !p.laCode)
    throw forbidden("Only local authorities look at the Lost Pupils database.");
  const register = registerOf(input.register);
  const page = Math.max(1, Math.min(500, Math.floor(input.page ?? 1)));
  await withinSearchLimit(ctx, p);
  const rows = await registerEntries(ctx.db)
    .where("t.status", "=", register)
    .where(sql`left(t.source_laestab, 3)`, "=", p.laCode)
    .orderBy("t.created_at", "desc")
    .orderBy("tp.position")
    .offset((page - 1) * SEARCH_PAGE_SIZE)
    .limit(SEARCH_PAGE_SIZE + 1)
    .execute();
  const shown = rows.slice(0, SEARCH_PAGE_SIZE);
  await audit(ctx.db, p, {
    action: "search",
    detail: { register, browse: true, page, results: shown.length },
  });
  return {
    pupils: shown.map((r) => ({
      ...r,
      receivedAt: r.receivedAt.toISOString(),
      why: [] as string[],
    })),
    page,
    more: rows.length > SEARCH_PAGE_SIZE,
  };
}

/** Why a result matched, in words: the score's reasons, then the criteria that filtered. */
function whyItMatched(m: Scored, q: LostPupilQuery, from: string): string[] {
  const why = m.reasons.filter((r) => r !== "sex");
  if (!q.dob && q.dobFrom && q.dobTo) why.push("born between the dates given");
  if (q.sex) why.push("sex");
  if (from) why.push(from.length === 7 ? "sending school" : "sending school's LA");
  return why;
}

/** A result meets each criterion given: the UPN, a name, the date of birth (or one near it). */
function meetsEveryCriterion({ met }: Scored, d: Described): boolean {
  if (d.upn) return met.upn;
  if (d.surname && !met.surname) return false;
  if (d.forename && !met.forename) return false;
  return !d.dob || met.date;
}

/**
 * A search must be able to find one child, not walk the register: a UPN (or former UPN), or a
 * surname with a date of birth or a range of birth dates of at most a year.
 */
function requireEnoughToIdentify(surname: string, upn: string, q: LostPupilQuery): void {
  if (upn) {
    if (!/^[A-Z][0-9]{11}[0-9A-Z]$/.test(upn))
      throw invalid("A UPN is a letter, 11 digits and a digit or letter.", "upn");
    return;
  }
  const enough =
    "Search by a UPN, or by a surname with a date of birth (or born between two dates at most a year apart).";
  if (surname.length < 2) throw invalid(enough, "surname");
  if (q.dob) return;
  if (!q.dobFrom || !q.dobTo) throw invalid(enough, "dob");
  const days = (Date.parse(q.dobTo) - Date.parse(q.dobFrom)) / 86_400_000;
  if (days < 0) throw invalid("The first date of birth must come before the second.", "dobFrom");
  if (days > 366) throw invalid("Search for births within one year at most.", "dobTo");
}

/**
 * At most SEARCHES_PER_HOUR searches an hour for each user, counted from the audit log. Reaching
 * the limit tells the service's administrators once an hour: a sign of a stolen account, or of
 * someone walking the register.
 */
async function withinSearchLimit(ctx: HubContext, p: Principal): Promise<void> {
  // The audit log's times are the database's, so the hour is measured by the database too.
  const hourAgo = sql<Date>`now() - interval '1 hour'`;
  const counted = await ctx.db
    .selectFrom("audit_events")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", p.userId)
    .where("action", "=", "search")
    .where("at", ">", hourAgo)
    .executeTakeFirstOrThrow();
  if (Number(counted.n) < SEARCHES_PER_HOUR) return;
  await inTransaction(ctx, async ({ trx, mailQueued }) => {
    const alerted = await trx
      .selectFrom("audit_events")
      .select("id")
      .where("user_id", "=", p.userId)
      .where("action", "=", "search.limit-reached")
      .where("at", ">", hourAgo)
      .executeTakeFirst();
    if (alerted) return;
    await audit(trx, p, { action: "search.limit-reached", detail: { limit: SEARCHES_PER_HOUR } });
    const admins = await administratorAddresses(trx);
    if (admins.length > 0) {
      await enqueueMail(
        trx,
        searchLimitMessage(admins, p.username, SEARCHES_PER_HOUR, ctx.config.publicUrl),
        ctx.clock(),
      );
      mailQueued();
    }
  });
  throw new AppError(
    "rate-limited",
    `You have made ${SEARCHES_PER_HOUR} searches in the last hour, the most allowed. Try again later; the service administrators have been told.`,
  );
}

/**
 * The file and the school it would be passed on to, or the refusal passing it on would give:
 * asked by the pass-on itself and by its confirmation page before it.
 */
export async function passOnTarget(ctx: HubContext, p: Principal, id: string, to: string) {
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
  if (!canRedirectTo(p, school.laestab))
    throw invalid(
      `${school.name} (${school.laestab}) is in another local authority's area. Ask that LA to pass the file on: it can find it in the Lost Pupils database.`,
      "to",
    );
  if (school.status === "closed" || school.independent)
    throw invalid(`${school.name} (${school.laestab}) cannot receive CTFs.`, "to");
  return { row, school };
}

/** An LA passes a lost or out-of-sector file to the school the pupil has joined. */
export async function redirect(ctx: HubContext, p: Principal, id: string, to: string) {
  const { row, school } = await passOnTarget(ctx, p, id, to);
  const now = ctx.clock();
  const expires = new Date(now.getTime() + ctx.config.retention.undownloadedDays * 86_400_000);
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
        expires_at: expires,
      },
      "pass on",
    );
    // Audited first: the e-mail to the school names the LA that passed the file on.
    await audit(trx, p, {
      action: "redirect",
      target: `transfer:${row.id}`,
      detail: { from: row.dest_laestab, to: school.laestab },
    });
    await tellDestination(
      ctx,
      trx,
      { dest_laestab: school.laestab, source_laestab: row.source_laestab },
      source?.name,
      row.pupil_count,
      now,
      { id: row.id, name: row.file_name, deletedOn: expires },
    );
    await tellKeeper(ctx, trx, p, row, school);
    mailQueued();
  });
  return {
    id: row.id,
    status: "available" as const,
    destination: { laestab: school.laestab, name: school.name },
  };
}

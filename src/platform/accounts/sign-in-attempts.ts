/**
 * The lockout: five wrong passwords for a name lock it for fifteen minutes. Every attempt is
 * claimed (counted) before its password is checked, so forty guesses at once are forty claims:
 * the first five are checked, the rest are refused unchecked and lock the name. Names are
 * counted whether or not an account has them, so an unknown name locks as a real one does.
 */
import { type Generated, type Kysely, sql, type Transaction } from "kysely";
import type { NullableTimestamp, Timestamp } from "../db/columns.js";
import { AppError } from "../errors.js";

/** Every app that signs people in has this table (its migrations make it). */
export interface SignInAttemptsTable {
  /** The name as typed, lower-cased: known or not. */
  username: string;
  failures: Generated<number>;
  locked_until: NullableTimestamp;
  last_attempt_at: Timestamp;
}

/** A database with the attempts table: the hub's and a school side's both have one. */
type HasAttempts = { sign_in_attempts: SignInAttemptsTable };
type Db = Kysely<HasAttempts>;
// Kysely's types are invariant in the schema, so each caller's database (or transaction) is
// narrowed to the one table this module touches; the constraint keeps that honest.
const narrow = <S extends HasAttempts>(db: Kysely<S> | Transaction<S>) => db as unknown as Db;

const MAX_FAILED = 5;
const LOCK_MINUTES = 15;

const keyOf = (username: string) => username.trim().toLowerCase();

function lockedError(until: Date, now: Date): AppError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
  return new AppError(
    "auth.locked",
    `This account is locked after too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or ask your service administrator.`,
  );
}

/** A claim on one attempt; its number says how many are counted, this one included. */
export interface Attempt {
  key: string;
  number: number;
}

/** Counts an attempt for `username` before its password is checked; throws when locked. */
export async function claimAttempt<S extends HasAttempts>(
  database: Kysely<S> | Transaction<S>,
  username: string,
  now: Date,
): Promise<Attempt> {
  const db = narrow(database);
  const key = keyOf(username);
  const claimed = await db
    .insertInto("sign_in_attempts")
    .values({ username: key, failures: 1, last_attempt_at: now })
    .onConflict((oc) =>
      oc
        .column("username")
        .doUpdateSet({ failures: sql`sign_in_attempts.failures + 1`, last_attempt_at: now })
        .where((eb) =>
          eb.or([
            eb("sign_in_attempts.locked_until", "is", null),
            eb("sign_in_attempts.locked_until", "<=", now),
          ]),
        ),
    )
    .returning("failures")
    .executeTakeFirst();
  if (!claimed) throw lockedError(await lockedUntil(db, key, now), now);
  if (claimed.failures > MAX_FAILED) throw lockedError(await lock(db, key, now), now);
  return { key, number: claimed.failures };
}

/** The attempt's password was wrong (the fifth such locks the name): the error to answer. */
export async function attemptFailed<S extends HasAttempts>(
  trx: Kysely<S> | Transaction<S>,
  attempt: Attempt,
  now: Date,
): Promise<AppError> {
  if (attempt.number >= MAX_FAILED)
    return lockedError(await lock(narrow(trx), attempt.key, now), now);
  return new AppError("auth.failed");
}

/**
 * The attempt's password was right: the count starts again, unless guesses made at the same
 * moment have locked the name meanwhile, in which case this one is refused too (the error).
 */
export async function attemptSucceeded<S extends HasAttempts>(
  database: Kysely<S> | Transaction<S>,
  attempt: Attempt,
  now: Date,
): Promise<AppError | undefined> {
  const trx = narrow(database);
  const r = await trx
    .updateTable("sign_in_attempts")
    .set({ failures: 0 })
    .where("username", "=", attempt.key)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
    .executeTakeFirst();
  if (r.numUpdatedRows === 0n) return lockedError(await lockedUntil(trx, attempt.key, now), now);
  return undefined;
}

/** An administrator's reset frees the name at once. */
export async function clearAttempts<S extends HasAttempts>(
  trx: Kysely<S> | Transaction<S>,
  username: string,
): Promise<void> {
  await narrow(trx)
    .deleteFrom("sign_in_attempts")
    .where("username", "=", keyOf(username))
    .execute();
}

async function lock(db: Db, key: string, now: Date): Promise<Date> {
  const until = new Date(now.getTime() + LOCK_MINUTES * 60_000);
  // A lock already in force is kept as it is: more guesses do not extend it for the real user.
  const r = await db
    .updateTable("sign_in_attempts")
    .set({ failures: 0, locked_until: until })
    .where("username", "=", key)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
    .returning("locked_until")
    .executeTakeFirst();
  return r?.locked_until ?? (await lockedUntil(db, key, now));
}

async function lockedUntil(db: Db, key: string, now: Date): Promise<Date> {
  const r = await db
    .selectFrom("sign_in_attempts")
    .select("locked_until")
    .where("username", "=", key)
    .executeTakeFirst();
  return r?.locked_until && r.locked_until > now
    ? r.locked_until
    : new Date(now.getTime() + LOCK_MINUTES * 60_000);
}

/** Counts nobody has touched for a day are forgotten (retention calls this). */
export async function forgetOldAttempts<S extends HasAttempts>(
  database: Kysely<S> | Transaction<S>,
  now: Date,
): Promise<void> {
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await narrow(database)
    .deleteFrom("sign_in_attempts")
    .where("last_attempt_at", "<", dayAgo)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
    .execute();
}

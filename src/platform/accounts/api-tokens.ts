/**
 * API tokens, the same for every app: a secret shown once when made and stored only as SHA-256,
 * with a label, an optional expiry, when it was last used (to the nearest few minutes) and when it
 * was revoked. Whom a token acts as, and who may make or revoke one, is each app's.
 */
import type { Generated, Kysely, Transaction } from "kysely";
import type { NullableTimestamp } from "../db/columns.js";
import { invalid } from "../errors.js";
import { newSecret, sha256 } from "./secrets.js";

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  label: Generated<string>;
  created_at: Generated<Date>;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  /** Null: until revoked. */
  expires_at: NullableTimestamp;
}

type HasTokens = { api_tokens: ApiTokensTable };
type Db = Kysely<HasTokens>;
// Kysely's types are invariant in the schema: each caller's database is narrowed to this table.
const narrow = <S extends HasTokens>(db: Kysely<S> | Transaction<S>) => db as unknown as Db;

/**
 * "Last used" is written at most this often: a script may call many times a second, and a write
 * (and its commit) on every call would cost more than the call; to the nearest few minutes is
 * all anyone needs.
 */
export const LAST_USED_PRECISION_MS = 5 * 60_000;

/** Issues a token; the secret is returned this once. `prefix` names the app (`s2s_`). */
export async function issueApiToken<S extends HasTokens>(
  trx: Transaction<S>,
  token: { userId: string; prefix: string; label?: string; expiresAt?: Date | null },
): Promise<{ id: string; token: string }> {
  const secret = newSecret(token.prefix);
  const row = await narrow(trx)
    .insertInto("api_tokens")
    .values({
      user_id: token.userId,
      token_hash: sha256(secret),
      label: (token.label ?? "").trim().slice(0, 100),
      expires_at: token.expiresAt ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, token: secret };
}

/** A user's tokens, newest first: never the secret. */
export async function apiTokensOf<S extends HasTokens>(
  appDb: Kysely<S>,
  userId: string,
  now: Date,
) {
  const rows = await narrow(appDb)
    .selectFrom("api_tokens")
    .select(["id", "label", "created_at", "last_used_at", "revoked_at", "expires_at"])
    .where("user_id", "=", userId)
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((t) => ({
    id: t.id,
    label: t.label,
    createdAt: t.created_at.toISOString(),
    lastUsedAt: t.last_used_at?.toISOString() ?? null,
    revokedAt: t.revoked_at?.toISOString() ?? null,
    expiresAt: t.expires_at?.toISOString() ?? null,
    expired: t.expires_at !== null && t.expires_at <= now,
  }));
}

/** Revokes a token still in use (only `ownerId`'s when given); returns whose it was. */
export async function revokeApiToken<S extends HasTokens>(
  trx: Transaction<S>,
  id: string,
  now: Date,
  ownerId?: string,
): Promise<string | undefined> {
  let query = narrow(trx)
    .updateTable("api_tokens")
    .set({ revoked_at: now })
    .where("id", "=", id)
    .where("revoked_at", "is", null);
  if (ownerId !== undefined) query = query.where("user_id", "=", ownerId);
  const row = await query.returning("user_id").executeTakeFirst();
  return row?.user_id;
}

/** Notes that a token was used now, if it was last noted long enough ago; says whether it did. */
export async function touchApiToken<S extends HasTokens>(
  appDb: Kysely<S>,
  id: string,
  lastUsedAt: Date | null,
  now: Date,
): Promise<boolean> {
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < LAST_USED_PRECISION_MS) return false;
  await narrow(appDb)
    .updateTable("api_tokens")
    .set({ last_used_at: now })
    .where("id", "=", id)
    .execute();
  return true;
}

/** Revokes every token of a user still in use (a password change offers it); says how many. */
export async function revokeApiTokensOf<S extends HasTokens>(
  trx: Transaction<S>,
  userId: string,
  now: Date,
): Promise<number> {
  const rows = await narrow(trx)
    .updateTable("api_tokens")
    .set({ revoked_at: now })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .returning("id")
    .execute();
  return rows.length;
}

/**
 * The days a token made by a signed-in user may last: it always ends, and never later than
 * `maxDays`, so a stolen session cannot leave behind a key that outlives it by years.
 */
export function checkTokenDays(days: number | undefined, maxDays: number): number {
  if (days === undefined || !Number.isInteger(days) || days < 1 || days > maxDays)
    throw invalid(
      `A token stops working after 1 to ${maxDays} whole days; choose how many.`,
      "expiresInDays",
    );
  return days;
}

/** The longest life a user's token may have: the app's, or the user's own when shorter. */
export function tokenCeiling(appMaxDays: number, userMaxDays: number | null): number {
  return userMaxDays === null ? appMaxDays : Math.min(appMaxDays, userMaxDays);
}

/** Checks a user's own longest token life as a manager sets it (null: the app's). */
export function checkTokenCeiling(days: number | null, appMaxDays: number): number | null {
  if (days === null) return null;
  if (!Number.isInteger(days) || days < 1 || days > appMaxDays)
    throw invalid(
      `A user's tokens may last 1 to ${appMaxDays} whole days, the most this service allows; or leave it empty for ${appMaxDays}.`,
      "tokenMaxDays",
    );
  return days;
}

/** A longest token life as typed in a form: whole days, or nothing for the app's. */
export function tokenCeilingFrom(text: string | undefined): number | null {
  const t = (text ?? "").trim();
  if (t === "") return null;
  if (!/^\d{1,5}$/.test(t))
    throw invalid("Give a number of whole days, or leave it empty.", "tokenMaxDays");
  return Number(t);
}

/**
 * Brings a user's tokens in use within a new longest life: one that would last longer (or for
 * ever) now ends `maxDays` from `now`. Says how many were shortened.
 */
export async function shortenApiTokensOf<S extends HasTokens>(
  trx: Transaction<S>,
  userId: string,
  maxDays: number,
  now: Date,
): Promise<number> {
  const end = new Date(now.getTime() + maxDays * 86_400_000);
  const rows = await narrow(trx)
    .updateTable("api_tokens")
    .set({ expires_at: end })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", end)]))
    .returning("id")
    .execute();
  return rows.length;
}

/** Each app's users table as the token lives see it: a user's own longest, if shorter. */
type HasTokenLives = HasTokens & {
  users: { id: Generated<string>; username: string; token_max_days: number | null };
};
const withUsers = <S extends HasTokens>(db: Kysely<S> | Transaction<S>) =>
  db as unknown as Kysely<HasTokenLives>;

/**
 * Sets a user's own longest token life (null: the app's), checked by the caller, and brings
 * their tokens in use within it at once. Undefined: there is no such user.
 */
export async function setUserTokenLife<S extends HasTokens>(
  trx: Transaction<S>,
  userId: string,
  days: number | null,
  now: Date,
): Promise<{ username: string; shortened: number } | undefined> {
  const row = await withUsers(trx)
    .updateTable("users")
    .set({ token_max_days: days })
    .where("id", "=", userId)
    .returning("username")
    .executeTakeFirst();
  if (!row) return undefined;
  const shortened = days === null ? 0 : await shortenApiTokensOf(trx, userId, days, now);
  return { username: row.username, shortened };
}

/** The longest life a token `userId` makes may have: the app's, or their own if shorter. */
export async function userTokenMaxDays<S extends HasTokens>(
  db: Kysely<S>,
  userId: string,
  appMaxDays: number,
): Promise<number> {
  const row = await withUsers(db)
    .selectFrom("users")
    .select("token_max_days")
    .where("id", "=", userId)
    .executeTakeFirst();
  return tokenCeiling(appMaxDays, row?.token_max_days ?? null);
}

/** The lives offered on an account page, none longer than allowed; 90 days chosen if offered. */
export function tokenLifeChoices(maxDays: number) {
  const days = [30, 90, 365].filter((d) => d < maxDays);
  days.push(maxDays);
  const chosen = days.includes(90) ? 90 : days[days.length - 1];
  return days.map((d) => ({
    value: String(d),
    text: d === 365 ? "After a year" : `After ${d} day${d === 1 ? "" : "s"}`,
    checked: d === chosen,
  }));
}

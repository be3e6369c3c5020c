/**
 * Single-use links by which a user chooses a password nobody else has seen: the hub e-mails one
 * to a new or reset account, a school side's manager hands one on. Only a link's hash is kept, a
 * newer link voids older ones, and using one ends the user's sessions and lifts their lockout;
 * a link for a lost phone also clears the second factor, to be set up again. The same for every
 * app, over its `sign_in_links` table; what a link is for, and who is told, is the app's.
 */
import type { Generated, Kysely, Transaction } from "kysely";
import type { NullableTimestamp, Timestamp } from "../db/columns.js";
import type { FactorColumns, RecoveryCodesTable } from "./second-factor.js";
import { newSecret, sha256 } from "./secrets.js";
import { clearAttempts, type SignInAttemptsTable } from "./sign-in-attempts.js";

export interface SignInLinksTable {
  token_hash: string;
  user_id: string;
  /** What it was made for (the hub: welcome or reset; the school side: reset). */
  purpose: string;
  reset_second_factor: Generated<boolean>;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

type LinkUsers = FactorColumns & {
  username: string;
  password_hash: string;
  disabled: Generated<boolean>;
  must_change_password: Generated<boolean>;
};
type HasLinks = {
  sign_in_links: SignInLinksTable;
  users: LinkUsers;
  recovery_codes: RecoveryCodesTable;
  sign_in_attempts: SignInAttemptsTable;
  sessions: { user_id: string };
};
type Db = Kysely<HasLinks>;
// Kysely's types are invariant in the schema: each caller's database is narrowed to these tables.
const narrow = <S extends HasLinks>(db: Kysely<S> | Transaction<S>) => db as unknown as Db;

/** Makes a link's secret for a user, voiding their older ones; the caller sends it on. */
export async function issueLink<S extends HasLinks>(
  trx: Transaction<S>,
  link: { userId: string; purpose: string; resetSecondFactor?: boolean; hours: number },
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const db = narrow(trx);
  const token = newSecret("");
  const expiresAt = new Date(now.getTime() + link.hours * 3600_000);
  await db
    .updateTable("sign_in_links")
    .set({ used_at: now })
    .where("user_id", "=", link.userId)
    .where("used_at", "is", null)
    .execute();
  await db
    .insertInto("sign_in_links")
    .values({
      token_hash: sha256(token),
      user_id: link.userId,
      purpose: link.purpose,
      reset_second_factor: link.resetSecondFactor === true,
      created_at: now,
      expires_at: expiresAt,
    })
    .execute();
  return { token, expiresAt };
}

/** Whom a link is for, while it may still be used. */
export async function linkHolder<S extends HasLinks>(
  appDb: Kysely<S>,
  token: string,
  now: Date,
): Promise<
  { userId: string; username: string; purpose: string; reset_second_factor: boolean } | undefined
> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  return narrow(appDb)
    .selectFrom("sign_in_links as l")
    .innerJoin("users as u", "u.id", "l.user_id")
    .select(["u.id as userId", "u.username", "l.purpose", "l.reset_second_factor"])
    .where("l.token_hash", "=", sha256(token))
    .where("l.used_at", "is", null)
    .where("l.expires_at", ">", now)
    .where("u.disabled", "=", false)
    .executeTakeFirst();
}

/**
 * Spends a link on a new password (already hashed), once: false when another use won. The user's
 * sessions end, their lockout lifts, and a lost phone's second factor is cleared.
 */
export async function spendLink<S extends HasLinks>(
  trx: Transaction<S>,
  token: string,
  holder: { userId: string; username: string; reset_second_factor: boolean },
  passwordHash: string,
  now: Date,
): Promise<boolean> {
  const db = narrow(trx);
  const spent = await db
    .updateTable("sign_in_links")
    .set({ used_at: now })
    .where("token_hash", "=", sha256(token))
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  // Used at the same moment in another tab: only one wins.
  if (spent.numUpdatedRows === 0n) return false;
  await db
    .updateTable("users")
    .set({
      password_hash: passwordHash,
      must_change_password: false,
      ...(holder.reset_second_factor
        ? { totp_secret: null, totp_pending: null, totp_last_step: null }
        : {}),
    })
    .where("id", "=", holder.userId)
    .execute();
  if (holder.reset_second_factor)
    await db.deleteFrom("recovery_codes").where("user_id", "=", holder.userId).execute();
  await clearAttempts(trx, holder.username);
  await db.deleteFrom("sessions").where("user_id", "=", holder.userId).execute();
  return true;
}

/**
 * Web sessions, the same for every app: a random secret in a cookie, stored only hashed, ending
 * after a set time. Who a session's user is, and how that is cached, is each app's.
 */
import type { Generated, Kysely, Transaction } from "kysely";
import type { Timestamp } from "../db/columns.js";
import { newSecret, sha256 } from "./secrets.js";

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

type HasSessions = { sessions: SessionsTable };
type Db = Kysely<HasSessions>;
// Kysely's types are invariant in the schema: each caller's database is narrowed to this table.
const narrow = <S extends HasSessions>(db: Kysely<S> | Transaction<S>) => db as unknown as Db;

/** A new session for a user, usually in the transaction that audits the sign-in. */
export async function openSession<S extends HasSessions>(
  db: Kysely<S> | Transaction<S>,
  userId: string,
  now: Date,
  hours: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret("");
  const expiresAt = new Date(now.getTime() + hours * 3600_000);
  await narrow(db)
    .insertInto("sessions")
    .values({ token_hash: sha256(token), user_id: userId, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

export async function endSession<S extends HasSessions>(
  db: Kysely<S> | Transaction<S>,
  token: string,
): Promise<void> {
  await narrow(db).deleteFrom("sessions").where("token_hash", "=", sha256(token)).execute();
}

/** Ends every session of a user, but the one `keep` (this browser's) when given. */
export async function endSessionsOf<S extends HasSessions>(
  db: Kysely<S> | Transaction<S>,
  userId: string,
  keep?: string,
): Promise<void> {
  let query = narrow(db).deleteFrom("sessions").where("user_id", "=", userId);
  if (keep) query = query.where("token_hash", "<>", sha256(keep));
  await query.execute();
}

export async function forgetEndedSessions<S extends HasSessions>(
  db: Kysely<S>,
  now: Date,
): Promise<void> {
  await narrow(db).deleteFrom("sessions").where("expires_at", "<=", now).execute();
}

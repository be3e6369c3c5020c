/**
 * Signing in and out, one way for the API and the pages alike. A password is checked, the
 * account locked after repeated failures, and a session made; nothing says which part was wrong.
 */
import { verify } from "@node-rs/argon2";
import type { Db, Tx } from "../db/hub-schema.js";
import { AppError } from "../errors.js";
import { audit } from "./audit.js";
import { inTransaction } from "./change.js";
import type { HubContext, Principal } from "./context.js";
import { principalOf, sha256 } from "./credentials.js";
import { createSession } from "./sessions.js";
import { userByName } from "./users.js";

const MAX_FAILED = 5;
const LOCK_MINUTES = 15;

/** Checks a user's password; the principal it returns has no session yet. */
export async function checkPassword(
  ctx: HubContext,
  username: string,
  password: string,
  ip?: string,
): Promise<Principal> {
  const now = ctx.clock();
  const failed = (db: Db | Tx, detail: Record<string, unknown>) =>
    audit(db, null, { action: "sign-in.failed", username, ...(ip ? { ip } : {}), detail });
  const user = await userByName(ctx.db, username);
  if (!user) {
    await failed(ctx.db, { reason: "unknown user" });
    throw new AppError("auth.failed");
  }
  if (user.locked_until && user.locked_until > now) {
    await failed(ctx.db, { reason: "locked" });
    throw new AppError("auth.locked");
  }
  if (!(await verify(user.password_hash, password))) {
    const locked = await inTransaction(ctx, async ({ trx }) => {
      // Counted in the database, so that attempts at the same moment each count.
      const r = await trx
        .updateTable("users")
        .set((eb) => ({ failed_sign_ins: eb("failed_sign_ins", "+", 1) }))
        .where("id", "=", user.id)
        .returning("failed_sign_ins")
        .executeTakeFirstOrThrow();
      const lock = r.failed_sign_ins >= MAX_FAILED;
      if (lock) {
        await trx
          .updateTable("users")
          .set({
            failed_sign_ins: 0,
            locked_until: new Date(now.getTime() + LOCK_MINUTES * 60_000),
          })
          .where("id", "=", user.id)
          .execute();
      }
      await failed(trx, { reason: "password", locked: lock });
      return lock;
    });
    throw new AppError(locked ? "auth.locked" : "auth.failed");
  }
  if (user.disabled) throw new AppError("auth.disabled");
  return principalOf(user, ip);
}

/** Signs a user in: their password checked, a session made; returns the session's secret. */
export async function signIn(
  ctx: HubContext,
  username: string,
  password: string,
  ip?: string,
): Promise<{ principal: Principal; session: string }> {
  const principal = await checkPassword(ctx, username, password, ip);
  const session = await inTransaction(ctx, async ({ trx }) => {
    await trx
      .updateTable("users")
      .set({ failed_sign_ins: 0, locked_until: null })
      .where("id", "=", principal.userId)
      .execute();
    await audit(trx, principal, { action: "sign-in" });
    return createSession(ctx, trx, principal);
  });
  return { principal, session };
}

/** Ends a session; the one who held it, if still signed in, is recorded as signing out. */
export async function signOut(
  ctx: HubContext,
  session: string | undefined,
  who: Principal | undefined,
): Promise<void> {
  if (!session && !who) return;
  await inTransaction(ctx, async ({ trx, notice }) => {
    if (session) {
      await trx.deleteFrom("sessions").where("token_hash", "=", sha256(session)).execute();
      notice("principals");
    }
    if (who) await audit(trx, who, { action: "sign-out" });
  });
}

/**
 * Signing in and out, one way for the API and the pages alike. A password is checked, the
 * account locked after repeated failures, and a session made; nothing says which part was wrong.
 */
import type { Db, Tx } from "../db/hub-schema.js";
import { AppError } from "../errors.js";
import { audit } from "./audit.js";
import { inTransaction } from "./change.js";
import type { HubContext, Principal } from "./context.js";
import { principalOf, sha256 } from "./credentials.js";
import { passwordMatches } from "./passwords.js";
import { createSession } from "./sessions.js";
import { type Attempt, attemptFailed, attemptSucceeded, claimAttempt } from "./sign-in-attempts.js";
import { userByName } from "./users.js";

/**
 * Checks a user's password; the principal it returns has no session yet. Unknown names and wrong
 * passwords get the same answer in the same time, and both count toward the name's lockout.
 */
export async function checkPassword(
  ctx: HubContext,
  username: string,
  password: string,
  ip?: string,
): Promise<Principal> {
  const now = ctx.clock();
  const failed = (db: Db | Tx, detail: Record<string, unknown>) =>
    audit(db, null, { action: "sign-in.failed", username, ...(ip ? { ip } : {}), detail });
  let attempt: Attempt;
  try {
    attempt = await claimAttempt(ctx.db, username, now);
  } catch (e) {
    await failed(ctx.db, { reason: "locked" });
    throw e;
  }
  const user = await userByName(ctx.db, username);
  if (!(await passwordMatches(user?.password_hash, password)) || !user) {
    throw await inTransaction(ctx, async ({ trx }) => {
      await failed(trx, { reason: user ? "password" : "unknown user" });
      return attemptFailed(trx, attempt, now);
    });
  }
  const refused = await inTransaction(ctx, async ({ trx }) => {
    const locked = await attemptSucceeded(trx, attempt, now);
    if (locked) await failed(trx, { reason: "locked" });
    return locked;
  });
  if (refused) throw refused;
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

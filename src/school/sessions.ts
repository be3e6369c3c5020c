/** Signing in to the school side's pages: a password, then a session stored only hashed. */

import { passwordMatches } from "../platform/accounts/passwords.js";
import { newSecret, sha256 } from "../platform/accounts/secrets.js";
import {
  type Attempt,
  attemptFailed,
  attemptSucceeded,
  claimAttempt,
  forgetOldAttempts,
} from "../platform/accounts/sign-in-attempts.js";
import { AppError } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { principalOf } from "./tokens.js";

/**
 * Each attempt is counted before its password is checked, by the name typed, so that guesses at
 * once all count and an unknown name locks as a real one does (the hub's rules, and its code).
 */
export async function misSignIn(
  ctx: MisContext,
  username: string,
  password: string,
  ip?: string,
): Promise<{ token: string; expiresAt: Date }> {
  const now = ctx.clock();
  const failed = (reason: string) =>
    misAudit(ctx.db, null, "sign-in.failed", undefined, { username: username.trim(), reason, ip });
  let attempt: Attempt;
  try {
    attempt = await claimAttempt(ctx.db, username, now);
  } catch (e) {
    await failed("locked");
    throw e;
  }
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "username", "role", "password_hash", "disabled"])
    .where("username", "=", username.trim())
    .executeTakeFirst();
  // An unknown name takes as long as a wrong password: a hash is checked either way.
  const ok = await passwordMatches(user?.password_hash, password);
  if (!user || !ok) {
    await failed(user ? "password" : "unknown user");
    throw await ctx.db.transaction().execute((trx) => attemptFailed(trx, attempt, now));
  }
  const locked = await ctx.db.transaction().execute((trx) => attemptSucceeded(trx, attempt, now));
  if (locked) throw locked;
  if (user.disabled) {
    await failed("disabled");
    throw new AppError("auth.failed");
  }
  await misAudit(ctx.db, principalOf(user, ip), "sign-in");
  const token = newSecret("s2s_mis_session_");
  const expiresAt = new Date(ctx.clock().getTime() + ctx.config.sessionHours * 3600_000);
  await ctx.db
    .insertInto("sessions")
    .values({ token_hash: sha256(token), user_id: user.id, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

export async function misPrincipalFromSession(
  ctx: MisContext,
  token: string,
  ip?: string,
): Promise<MisPrincipal | undefined> {
  const row = await ctx.db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select(["users.id", "users.username", "users.role"])
    .where("sessions.token_hash", "=", sha256(token))
    .where("sessions.expires_at", ">", ctx.clock())
    .where("users.disabled", "=", false)
    .executeTakeFirst();
  return row && principalOf(row, ip);
}

export async function misSignOut(ctx: MisContext, token: string): Promise<void> {
  await ctx.db.deleteFrom("sessions").where("token_hash", "=", sha256(token)).execute();
}

/** Ended sessions and day-old failed sign-in counts are forgotten. */
export async function forgetEndedSignIns(ctx: MisContext): Promise<void> {
  const now = ctx.clock();
  await ctx.db.deleteFrom("sessions").where("expires_at", "<=", now).execute();
  await forgetOldAttempts(ctx.db, now);
}

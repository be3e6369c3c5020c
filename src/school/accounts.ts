/**
 * A school-side user's own account: choosing their password (at the first sign-in, or any time),
 * their second factor and recovery codes; and a manager's part: a single-use link by which a user
 * sets a new password the manager never sees, and whether staff need a second factor too.
 */

import { revokeApiTokensOf } from "../platform/accounts/api-tokens.js";
import { checkNewPassword, hashPassword, passwordMatches } from "../platform/accounts/passwords.js";
import * as factors from "../platform/accounts/second-factor.js";
import { newSecret } from "../platform/accounts/secrets.js";
import { endSessionsOf } from "../platform/accounts/sessions.js";
import {
  attemptFailed,
  claimAttempt,
  clearAttempts,
} from "../platform/accounts/sign-in-attempts.js";
import { issueLink, linkHolder, spendLink } from "../platform/accounts/sign-in-links.js";
import { AppError, invalid, isId } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

/** How long a manager's password link works: long enough to reach its user, and once. */
export const PASSWORD_LINK_HOURS = 72;

/**
 * The signed-in user gives their password again (to change it, or to make a token); a wrong one
 * counts toward the name's lockout as a wrong sign-in does, and is audited.
 */
export async function confirmOwnMisPassword(
  ctx: MisContext,
  actor: MisPrincipal,
  password: string,
  field = "current",
): Promise<string> {
  const now = ctx.clock();
  const attempt = await claimAttempt(ctx.db, actor.username, now);
  const user = await ctx.db
    .selectFrom("users")
    .select(["password_hash"])
    .where("id", "=", actor.userId)
    .executeTakeFirstOrThrow();
  if (!(await passwordMatches(user.password_hash, password))) {
    const refused = await ctx.db.transaction().execute(async (trx) => {
      await misAudit(trx, actor, "password-change.failed", `user:${actor.userId}`);
      return attemptFailed(trx, attempt, now);
    });
    throw refused.code === "auth.failed"
      ? invalid(`Your ${field === "current" ? "current " : ""}password is not right.`, field)
      : refused;
  }
  return user.password_hash;
}

/**
 * A user replaces their password, giving the current one. Their other sessions end, and with
 * `revokeTokens` their API tokens too (for when the password may have been seen).
 */
export async function changeOwnPassword(
  ctx: MisContext,
  actor: MisPrincipal,
  current: string,
  next: string,
  session?: string,
  options: { revokeTokens?: boolean } = {},
): Promise<void> {
  const currentHash = await confirmOwnMisPassword(ctx, actor, current);
  checkNewPassword(next, actor.username);
  if (await passwordMatches(currentHash, next))
    throw invalid("Choose a password different from the one you have.", "password");
  const password_hash = await hashPassword(next);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("users")
      .set({ password_hash, must_change_password: false })
      .where("id", "=", actor.userId)
      .execute();
    await endSessionsOf(trx, actor.userId, session);
    await clearAttempts(trx, actor.username);
    const revoked = options.revokeTokens
      ? await revokeApiTokensOf(trx, actor.userId, ctx.clock())
      : undefined;
    await misAudit(
      trx,
      actor,
      "user.password-change",
      `user:${actor.userId}`,
      revoked === undefined ? undefined : { tokensRevoked: revoked },
    );
  });
}

/**
 * A manager makes a single-use link for a user to set a new password; the manager passes it on
 * and never sees the password. The user's sessions end and the old password stops working.
 */
export async function issuePasswordLink(
  ctx: MisContext,
  actor: MisPrincipal,
  userId: string,
): Promise<{ token: string; expiresAt: Date }> {
  if (actor.role !== "manager") throw new AppError("forbidden");
  if (!isId(userId)) throw new AppError("not-found");
  // Nobody knows this password: the account opens only by the link.
  const locked = await hashPassword(newSecret(""));
  return ctx.db.transaction().execute(async (trx) => {
    const user = await trx
      .updateTable("users")
      .set({ password_hash: locked })
      .where("id", "=", userId)
      .where("disabled", "=", false)
      .returning("username")
      .executeTakeFirst();
    if (!user) throw new AppError("not-found", "There is no such user in use.");
    await endSessionsOf(trx, userId);
    const link = await issueLink(
      trx,
      { userId, purpose: "reset", hours: PASSWORD_LINK_HOURS },
      ctx.clock(),
    );
    await misAudit(trx, actor, "user.password-link", `user:${userId}`, {
      username: user.username,
    });
    return link;
  });
}

/** Whose link this is, while it can still be used. */
export const passwordLinkHolder = (ctx: MisContext, token: string) =>
  linkHolder(ctx.db, token, ctx.clock());

/** Sets the password by a link, once; returns whose it was, to go on signing them in. */
export async function usePasswordLink(
  ctx: MisContext,
  token: string,
  password: string,
): Promise<string> {
  const expired = () => new AppError("form.expired", "This link has been used or has expired.");
  const holder = await passwordLinkHolder(ctx, token);
  if (!holder) throw expired();
  checkNewPassword(password, holder.username);
  const passwordHash = await hashPassword(password);
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await spendLink(trx, token, holder, passwordHash, ctx.clock()))) throw expired();
    await misAudit(trx, null, "user.password-link-used", `user:${holder.userId}`, {
      username: holder.username,
    });
  });
  return holder.userId;
}

/** Starts setting up an authenticator (at sign-in, or from the account page). */
export async function beginMisEnrolment(ctx: MisContext, userId: string, username: string) {
  return (
    (await factors.pendingEnrolment(ctx.db, ctx.secrets, userId, username)) ??
    (await factors.beginEnrolment(ctx.db, ctx.secrets, userId, username))
  );
}

/** Confirms the authenticator with its first code; returns the recovery codes, shown once. */
export async function confirmMisEnrolment(
  ctx: MisContext,
  actor: MisPrincipal,
  code: string,
): Promise<string[]> {
  return ctx.db.transaction().execute(async (trx) => {
    const codes = await factors.confirmEnrolment(trx, ctx.secrets, ctx.clock(), actor.userId, code);
    await misAudit(trx, actor, "second-factor.set-up", `user:${actor.userId}`);
    return codes;
  });
}

/** New recovery codes, in place of the old, for a user with a second factor. */
export async function newMisRecoveryCodes(ctx: MisContext, actor: MisPrincipal) {
  return ctx.db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom("users")
      .select("totp_secret")
      .where("id", "=", actor.userId)
      .executeTakeFirstOrThrow();
    if (!user.totp_secret) throw invalid("Set up a second factor first.");
    await misAudit(trx, actor, "second-factor.recovery-codes", `user:${actor.userId}`);
    return factors.replaceRecoveryCodes(trx, actor.userId);
  });
}

/** Where a user's second factor stands, for their account page. */
export async function misSecondFactorStatus(ctx: MisContext, actor: MisPrincipal) {
  const user = await ctx.db
    .selectFrom("users")
    .select("totp_secret")
    .where("id", "=", actor.userId)
    .executeTakeFirstOrThrow();
  return {
    enrolled: user.totp_secret !== null,
    recoveryCodesLeft: await factors.recoveryCodesLeft(ctx.db, actor.userId),
  };
}

/** Whether staff, too, must sign in with a second factor. */
export async function staffSecondFactor(ctx: MisContext): Promise<boolean> {
  const row = await ctx.db.selectFrom("school").select("staff_second_factor").executeTakeFirst();
  return row?.staff_second_factor === true;
}

/** A manager requires a second factor of staff too (managers always have one). */
export async function setStaffSecondFactor(
  ctx: MisContext,
  actor: MisPrincipal,
  required: boolean,
): Promise<void> {
  if (actor.role !== "manager") throw new AppError("forbidden");
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable("school").set({ staff_second_factor: required }).execute();
    await misAudit(trx, actor, "settings.staff-second-factor", "school", { required });
  });
}

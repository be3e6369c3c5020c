/**
 * A school-side user's own account: choosing their password (at the first sign-in, or any time),
 * their second factor and recovery codes; and a manager's part: a single-use link by which a user
 * sets a new password the manager never sees, and whether staff need a second factor too.
 */

import { checkNewPassword, hashPassword, passwordMatches } from "../platform/accounts/passwords.js";
import * as factors from "../platform/accounts/second-factor.js";
import { newSecret, sha256 } from "../platform/accounts/secrets.js";
import {
  attemptFailed,
  claimAttempt,
  clearAttempts,
} from "../platform/accounts/sign-in-attempts.js";
import { AppError, invalid, isId } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

/** How long a manager's password link works: long enough to reach its user, and once. */
export const PASSWORD_LINK_HOURS = 72;

/**
 * A user replaces their password, giving the current one; a wrong one counts toward the name's
 * lockout as a wrong sign-in does. Their other sessions end.
 */
export async function changeOwnPassword(
  ctx: MisContext,
  actor: MisPrincipal,
  current: string,
  next: string,
  session?: string,
): Promise<void> {
  const now = ctx.clock();
  const attempt = await claimAttempt(ctx.db, actor.username, now);
  const user = await ctx.db
    .selectFrom("users")
    .select(["password_hash"])
    .where("id", "=", actor.userId)
    .executeTakeFirstOrThrow();
  if (!(await passwordMatches(user.password_hash, current))) {
    const refused = await ctx.db.transaction().execute(async (trx) => {
      await misAudit(trx, actor, "password-change.failed", `user:${actor.userId}`);
      return attemptFailed(trx, attempt, now);
    });
    throw refused.code === "auth.failed"
      ? invalid("Your current password is not right.", "current")
      : refused;
  }
  checkNewPassword(next, actor.username);
  if (await passwordMatches(user.password_hash, next))
    throw invalid("Choose a password different from the one you have.", "password");
  const password_hash = await hashPassword(next);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("users")
      .set({ password_hash, must_change_password: false })
      .where("id", "=", actor.userId)
      .execute();
    let others = trx.deleteFrom("sessions").where("user_id", "=", actor.userId);
    if (session) others = others.where("token_hash", "<>", sha256(session));
    await others.execute();
    await clearAttempts(trx, actor.username);
    await misAudit(trx, actor, "user.password-change", `user:${actor.userId}`);
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
  const token = newSecret("s2s_mis_link_");
  const expiresAt = new Date(ctx.clock().getTime() + PASSWORD_LINK_HOURS * 3600_000);
  // Nobody knows this password: the account opens only by the link.
  const locked = await hashPassword(newSecret(""));
  await ctx.db.transaction().execute(async (trx) => {
    const user = await trx
      .updateTable("users")
      .set({ password_hash: locked })
      .where("id", "=", userId)
      .where("disabled", "=", false)
      .returning("username")
      .executeTakeFirst();
    if (!user) throw new AppError("not-found", "There is no such user in use.");
    await trx.deleteFrom("sessions").where("user_id", "=", userId).execute();
    await trx
      .updateTable("password_links")
      .set({ used_at: ctx.clock() })
      .where("user_id", "=", userId)
      .where("used_at", "is", null)
      .execute();
    await trx
      .insertInto("password_links")
      .values({ token_hash: sha256(token), user_id: userId, expires_at: expiresAt })
      .execute();
    await misAudit(trx, actor, "user.password-link", `user:${userId}`, {
      username: user.username,
    });
  });
  return { token, expiresAt };
}

/** Whose link this is, while it can still be used. */
export async function passwordLinkHolder(ctx: MisContext, token: string) {
  return ctx.db
    .selectFrom("password_links")
    .innerJoin("users", "users.id", "password_links.user_id")
    .select(["users.id", "users.username"])
    .where("password_links.token_hash", "=", sha256(token))
    .where("password_links.used_at", "is", null)
    .where("password_links.expires_at", ">", ctx.clock())
    .where("users.disabled", "=", false)
    .executeTakeFirst();
}

/** Sets the password by a link, once; returns whose it was, to go on signing them in. */
export async function usePasswordLink(
  ctx: MisContext,
  token: string,
  password: string,
): Promise<string> {
  const holder = await passwordLinkHolder(ctx, token);
  if (!holder) throw new AppError("form.expired", "This link has been used or has expired.");
  checkNewPassword(password, holder.username);
  const password_hash = await hashPassword(password);
  await ctx.db.transaction().execute(async (trx) => {
    const spent = await trx
      .updateTable("password_links")
      .set({ used_at: ctx.clock() })
      .where("token_hash", "=", sha256(token))
      .where("used_at", "is", null)
      .executeTakeFirst();
    if (spent.numUpdatedRows === 0n)
      throw new AppError("form.expired", "This link has been used or has expired.");
    await trx
      .updateTable("users")
      .set({ password_hash, must_change_password: false })
      .where("id", "=", holder.id)
      .execute();
    await clearAttempts(trx, holder.username);
    await misAudit(trx, null, "user.password-link-used", `user:${holder.id}`, {
      username: holder.username,
    });
  });
  return holder.id;
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

/**
 * The hub's second factor (the mechanism is platform/accounts/second-factor.ts): required of LA
 * users and administrators, and of a school's users when the school turns it on; anyone may set
 * it up for themselves. Each use that matters is audited here.
 */
import * as factors from "../platform/accounts/second-factor.js";
import { inTransaction } from "../platform/change.js";
import { AppError, invalid } from "../platform/errors.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import type { Db, Tx } from "./schema.js";

export interface FactorUser {
  id: string;
  role: string;
  establishment: string | null;
  totp_secret: string | null;
  totp_last_step: number | null;
}

/** Whether this user must have a second factor before signing in. */
export async function secondFactorRequired(
  db: Db,
  user: Pick<FactorUser, "role" | "establishment">,
): Promise<boolean> {
  if (user.role === "la" || user.role === "admin") return true;
  if (!user.establishment) return false;
  const school = await db
    .selectFrom("establishments")
    .select("second_factor_required")
    .where("laestab", "=", user.establishment)
    .executeTakeFirst();
  return school?.second_factor_required === true;
}

/**
 * Whether `code` is a right authenticator code (not used before) or an unused recovery code for
 * this user; either is then spent, and a recovery code's use audited.
 */
export async function spendCode(
  ctx: HubContext,
  trx: Tx,
  user: FactorUser,
  code: string,
): Promise<boolean> {
  const spent = await factors.spendCode(trx, ctx.secrets, ctx.clock(), user, code);
  if (spent === "recovery")
    await audit(trx, null, {
      action: "second-factor.recovery-code-used",
      target: `user:${user.id}`,
    });
  return spent !== undefined;
}

/** Starts setting up a new authenticator: the key to show (as a QR code and as text). */
export const beginEnrolment = (ctx: HubContext, userId: string, username: string) =>
  factors.beginEnrolment(ctx.db, ctx.secrets, userId, username);

/** The key being set up, to show again after a wrong code. */
export const pendingEnrolment = (ctx: HubContext, userId: string, username: string) =>
  factors.pendingEnrolment(ctx.db, ctx.secrets, userId, username);

/** Confirms the key being set up with its first code; returns the new recovery codes. */
export async function confirmEnrolment(
  ctx: HubContext,
  trx: Tx,
  actor: Principal | null,
  userId: string,
  code: string,
): Promise<string[]> {
  const codes = await factors.confirmEnrolment(trx, ctx.secrets, ctx.clock(), userId, code);
  await audit(trx, actor, { action: "second-factor.set-up", target: `user:${userId}` });
  return codes;
}

/** New recovery codes for a user who has a second factor, from their account page. */
export async function newRecoveryCodes(ctx: HubContext, p: Principal): Promise<string[]> {
  return inTransaction(ctx, async ({ trx }) => {
    const user = await trx
      .selectFrom("users")
      .select("totp_secret")
      .where("id", "=", p.userId)
      .executeTakeFirst();
    if (!user?.totp_secret) throw invalid("Set up a second factor first.");
    await audit(trx, p, { action: "second-factor.recovery-codes", target: `user:${p.userId}` });
    return factors.replaceRecoveryCodes(trx, p.userId);
  });
}

/** The operator provisions a key on the command line (`--totp-secret`). */
export const provisionSecondFactor = (ctx: HubContext, trx: Tx, userId: string, secret: string) =>
  factors.provisionSecondFactor(trx, ctx.secrets, ctx.clock(), userId, secret);

/** Where a user's second factor stands, for their account page. */
export async function secondFactorStatus(ctx: HubContext, p: Principal) {
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "role", "establishment", "totp_secret"])
    .where("id", "=", p.userId)
    .executeTakeFirstOrThrow();
  return {
    enrolled: user.totp_secret !== null,
    required: await secondFactorRequired(ctx.db, user),
    recoveryCodesLeft: await factors.recoveryCodesLeft(ctx.db, p.userId),
  };
}

/** A school turns the second factor on (or off) for all its users. */
export async function setSchoolSecondFactor(
  ctx: HubContext,
  p: Principal,
  required: boolean,
): Promise<void> {
  if (p.role !== "school" || !p.establishment) throw new AppError("forbidden");
  const laestab = p.establishment;
  await inTransaction(ctx, async ({ trx }) => {
    await trx
      .updateTable("establishments")
      .set({ second_factor_required: required })
      .where("laestab", "=", laestab)
      .execute();
    await audit(trx, p, {
      action: "school.second-factor",
      target: `establishment:${laestab}`,
      detail: { required },
    });
  });
}

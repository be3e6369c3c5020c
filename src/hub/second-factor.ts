/**
 * The second factor: an authenticator app's 6-digit codes (TOTP), or one of ten single-use
 * recovery codes. Required of LA users and administrators, and of a school's users when the
 * school turns it on; anyone may set it up for themselves. The key is sealed in the database;
 * recovery codes are kept only hashed.
 */
import { randomInt } from "node:crypto";
import {
  base32Decode,
  matchCode,
  newTotpSecret,
  otpauthUri,
  stepAt,
} from "../platform/accounts/totp.js";
import { inTransaction } from "../platform/change.js";
import { AppError, invalid } from "../platform/errors.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { sha256 } from "./credentials.js";
import type { Db, Tx } from "./schema.js";

const RECOVERY_CODES = 10;
const ISSUER = "S2S";

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
 * this user; either is then spent. Conditional updates make two uses at once spend it once.
 */
export async function spendCode(
  ctx: HubContext,
  trx: Tx,
  user: FactorUser,
  code: string,
): Promise<boolean> {
  if (!user.totp_secret) return false;
  const given = code.trim();
  if (/^\d{3}\s?\d{3}$/.test(given)) {
    // The last step as read with the user may be stale; the conditional update below decides.
    const step = matchCode(
      ctx.secrets.open(user.totp_secret),
      given,
      ctx.clock(),
      user.totp_last_step,
    );
    if (step === undefined) return false;
    const r = await trx
      .updateTable("users")
      .set({ totp_last_step: step })
      .where("id", "=", user.id)
      .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }
  const r = await trx
    .updateTable("recovery_codes")
    .set({ used_at: ctx.clock() })
    .where("user_id", "=", user.id)
    .where("code_hash", "=", sha256(normaliseRecovery(given)))
    .where("used_at", "is", null)
    .executeTakeFirst();
  if (r.numUpdatedRows === 0n) return false;
  await audit(trx, null, { action: "second-factor.recovery-code-used", target: `user:${user.id}` });
  return true;
}

/** Starts setting up a new authenticator: the key to show (as a QR code and as text). */
export async function beginEnrolment(ctx: HubContext, userId: string, username: string) {
  const secret = newTotpSecret();
  await ctx.db
    .updateTable("users")
    .set({ totp_pending: ctx.secrets.seal(secret) })
    .where("id", "=", userId)
    .execute();
  return { secret: grouped(secret), uri: otpauthUri(secret, username, ISSUER) };
}

/** The key being set up, to show again after a wrong code. */
export async function pendingEnrolment(ctx: HubContext, userId: string, username: string) {
  const row = await ctx.db
    .selectFrom("users")
    .select("totp_pending")
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!row?.totp_pending) return undefined;
  const secret = ctx.secrets.open(row.totp_pending);
  return { secret: grouped(secret), uri: otpauthUri(secret, username, ISSUER) };
}

/**
 * Confirms the key being set up with its first code; the key replaces any earlier one, and ten
 * new recovery codes (returned once, kept hashed) replace any earlier ones.
 */
export async function confirmEnrolment(
  ctx: HubContext,
  trx: Tx,
  actor: Principal | null,
  userId: string,
  code: string,
): Promise<string[]> {
  const row = await trx
    .selectFrom("users")
    .select("totp_pending")
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!row?.totp_pending)
    throw new AppError("form.expired", "Setting up took too long. Start again.");
  const secret = ctx.secrets.open(row.totp_pending);
  const step = matchCode(secret, code, ctx.clock(), null);
  if (step === undefined)
    throw new AppError("auth.code", "That code is not right. Enter the code your app shows now.", {
      field: "code",
    });
  await trx
    .updateTable("users")
    .set({ totp_secret: row.totp_pending, totp_pending: null, totp_last_step: step })
    .where("id", "=", userId)
    .execute();
  await audit(trx, actor, { action: "second-factor.set-up", target: `user:${userId}` });
  return replaceRecoveryCodes(trx, userId);
}

/** Ten new recovery codes in place of any earlier ones; returned once, kept hashed. */
export async function replaceRecoveryCodes(trx: Tx, userId: string): Promise<string[]> {
  await trx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await trx
    .insertInto("recovery_codes")
    .values(codes.map((c) => ({ user_id: userId, code_hash: sha256(normaliseRecovery(c)) })))
    .execute();
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
    return replaceRecoveryCodes(trx, p.userId);
  });
}

/**
 * The operator provisions a key on the command line (`--totp-secret`), for accounts whose
 * first sign-in cannot set one up (an API-only account, a test).
 */
export async function provisionSecondFactor(
  ctx: HubContext,
  trx: Tx,
  userId: string,
  secret: string,
): Promise<void> {
  const key = base32Decode(secret);
  if (!key || key.length < 10)
    throw invalid("A TOTP secret is base32 (A-Z, 2-7) of at least 16 characters.", "totpSecret");
  await trx
    .updateTable("users")
    .set({
      totp_secret: ctx.secrets.seal(secret.replace(/[\s=-]/g, "").toUpperCase()),
      totp_last_step: stepAt(ctx.clock()) - 2,
    })
    .where("id", "=", userId)
    .execute();
}

/** Where a user's second factor stands, for their account page. */
export async function secondFactorStatus(ctx: HubContext, p: Principal) {
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "role", "establishment", "totp_secret"])
    .where("id", "=", p.userId)
    .executeTakeFirstOrThrow();
  const left = await ctx.db
    .selectFrom("recovery_codes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", p.userId)
    .where("used_at", "is", null)
    .executeTakeFirstOrThrow();
  return {
    enrolled: user.totp_secret !== null,
    required: await secondFactorRequired(ctx.db, user),
    recoveryCodesLeft: Number(left.n),
  };
}

function newRecoveryCode(): string {
  const digits = Array.from({ length: 10 }, () => "abcdefghjkmnpqrstuvwxyz23456789"[randomInt(31)]);
  return `${digits.slice(0, 5).join("")}-${digits.slice(5).join("")}`;
}

function normaliseRecovery(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, "$1 ").trim();
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

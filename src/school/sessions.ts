/**
 * Signing in to the school side, one way for the API and the pages: a password, then (for a
 * manager always, for staff when the school says so) a code from an authenticator app or a
 * recovery code, then a session stored only hashed. The platform's rules throughout: each
 * attempt is counted before its password is checked, by the name typed, so guesses at once all
 * count and an unknown name locks as a real one does; a wrong code counts as a wrong password.
 */
import { passwordMatches } from "../platform/accounts/passwords.js";
import { spendCode } from "../platform/accounts/second-factor.js";
import { sha256 } from "../platform/accounts/secrets.js";
import { endSession, forgetEndedSessions, openSession } from "../platform/accounts/sessions.js";
import {
  type Attempt,
  attemptFailed,
  attemptSucceeded,
  claimAttempt,
  forgetOldAttempts,
} from "../platform/accounts/sign-in-attempts.js";
import { AppError } from "../platform/errors.js";
import { staffSecondFactor } from "./accounts.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";
import type { MisDb, MisTx } from "./schema.js";
import { principalOf } from "./tokens.js";

const USER_COLUMNS = [
  "id",
  "username",
  "role",
  "password_hash",
  "disabled",
  "totp_secret",
  "totp_last_step",
  "must_change_password",
] as const;

async function userWhere(db: MisDb | MisTx, column: "id" | "username", value: string) {
  return db.selectFrom("users").select(USER_COLUMNS).where(column, "=", value).executeTakeFirst();
}

type UserRow = NonNullable<Awaited<ReturnType<typeof userWhere>>>;

/** A sign-in whose password was right; its attempt stays counted until it completes. */
export interface MisPasswordChecked {
  user: UserRow;
  attempt: Attempt;
  ip: string | undefined;
}

const auditFailed = (db: MisDb | MisTx, username: string, ip: string | undefined, reason: string) =>
  misAudit(db, null, "sign-in.failed", undefined, { username: username.trim(), reason, ip });

/** Step one, the password; unknown names and wrong passwords alike, in the same time. */
export async function checkMisPassword(
  ctx: MisContext,
  username: string,
  password: string,
  ip?: string,
): Promise<MisPasswordChecked> {
  const now = ctx.clock();
  let attempt: Attempt;
  try {
    attempt = await claimAttempt(ctx.db, username, now);
  } catch (e) {
    await auditFailed(ctx.db, username, ip, "locked");
    throw e;
  }
  const user = await userWhere(ctx.db, "username", username.trim());
  // An unknown name takes as long as a wrong password: a hash is checked either way.
  const ok = await passwordMatches(user?.password_hash, password);
  if (!user || !ok)
    throw await ctx.db.transaction().execute(async (trx) => {
      await auditFailed(trx, username, ip, user ? "password" : "unknown user");
      return attemptFailed(trx, attempt, now);
    });
  if (user.disabled) {
    await auditFailed(ctx.db, username, ip, "disabled");
    throw new AppError("auth.failed");
  }
  return { user, attempt, ip };
}

/**
 * The second step of a page sign-in, begun by checkMisPassword in an earlier request: counted as
 * an attempt of its own, so that codes cannot be guessed without limit.
 */
export async function resumeMisSignIn(
  ctx: MisContext,
  userId: string,
  ip?: string,
): Promise<MisPasswordChecked> {
  const user = await userWhere(ctx.db, "id", userId);
  if (!user || user.disabled) throw new AppError("auth.required");
  const attempt = await claimAttempt(ctx.db, user.username, ctx.clock());
  return { user, attempt, ip };
}

/** Whether this user must sign in with a second factor: managers always; staff if the school says. */
export async function misSecondFactorRequired(
  ctx: MisContext,
  user: { role: MisPrincipal["role"] },
): Promise<boolean> {
  return user.role === "manager" || (await staffSecondFactor(ctx));
}

/** What a sign-in whose password was right needs next. */
export async function misNextStep(
  ctx: MisContext,
  checked: MisPasswordChecked,
): Promise<"code" | "set-up" | "done"> {
  if (checked.user.totp_secret) return "code";
  return (await misSecondFactorRequired(ctx, checked.user)) ? "set-up" : "done";
}

/** Step two: an authenticator or recovery code; a wrong one counts as a wrong password does. */
export async function checkMisCode(
  ctx: MisContext,
  checked: MisPasswordChecked,
  code: string,
): Promise<void> {
  const refused = await ctx.db.transaction().execute(async (trx) => {
    const spent = await spendCode(trx, ctx.secrets, ctx.clock(), checked.user, code);
    if (spent === "recovery")
      await misAudit(trx, null, "second-factor.recovery-code-used", `user:${checked.user.id}`);
    if (spent) return undefined;
    await auditFailed(trx, checked.user.username, checked.ip, "code");
    const answer = await attemptFailed(trx, checked.attempt, ctx.clock());
    return answer.code === "auth.failed"
      ? new AppError("auth.code", undefined, { field: "code" })
      : answer;
  });
  if (refused) throw refused;
}

/** The last step: the lockout count starts again, and a session is made, with its audit entry. */
export async function completeMisSignIn(
  ctx: MisContext,
  checked: MisPasswordChecked,
): Promise<{ token: string; expiresAt: Date }> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    const refused = await attemptSucceeded(trx, checked.attempt, ctx.clock());
    if (refused) {
      await auditFailed(trx, checked.user.username, checked.ip, "locked");
      return { refused };
    }
    await misAudit(trx, principalOf(checked.user, checked.ip), "sign-in");
    return {
      session: await openSession(trx, checked.user.id, ctx.clock(), ctx.config.sessionHours),
    };
  });
  if (result.refused) throw result.refused;
  return result.session as { token: string; expiresAt: Date };
}

/** Signs in in one go (the API): the password, then the code when the account has one. */
export async function misSignIn(
  ctx: MisContext,
  username: string,
  password: string,
  ip?: string,
  code?: string,
): Promise<{ token: string; expiresAt: Date; principal: MisPrincipal }> {
  const checked = await checkMisPassword(ctx, username, password, ip);
  const step = await misNextStep(ctx, checked);
  if (step === "set-up") throw new AppError("auth.enrolment-required");
  if (step === "code") {
    if (!code?.trim()) throw new AppError("auth.code-required", undefined, { field: "code" });
    await checkMisCode(ctx, checked, code);
  }
  // A password someone else set or saw opens only the page to choose one's own.
  if (checked.user.must_change_password) throw new AppError("auth.password-change-required");
  const session = await completeMisSignIn(ctx, checked);
  return { ...session, principal: principalOf(checked.user, ip) };
}

export async function misPrincipalFromSession(
  ctx: MisContext,
  token: string,
  ip?: string,
): Promise<MisPrincipal | undefined> {
  const row = await ctx.db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select(["users.id", "users.username", "users.role", "users.must_change_password"])
    .where("sessions.token_hash", "=", sha256(token))
    .where("sessions.expires_at", ">", ctx.clock())
    .where("users.disabled", "=", false)
    .executeTakeFirst();
  return row && principalOf(row, ip);
}

export async function misSignOut(ctx: MisContext, token: string): Promise<void> {
  await endSession(ctx.db, token);
}

/** Ended sessions, day-old failed sign-in counts and spent password links are forgotten. */
export async function forgetEndedSignIns(ctx: MisContext): Promise<void> {
  const now = ctx.clock();
  await forgetEndedSessions(ctx.db, now);
  await ctx.db.deleteFrom("sign_in_links").where("expires_at", "<=", now).execute();
  await forgetOldAttempts(ctx.db, now);
}

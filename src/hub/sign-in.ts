/**
 * Signing in and out, one way for the API and the pages alike. A password is checked, the
 * account locked after repeated failures, and a session made; nothing says which part was wrong.
 */

import { passwordMatches } from "../platform/accounts/passwords.js";
import { endSession } from "../platform/accounts/sessions.js";
import {
  type Attempt,
  attemptFailed,
  attemptSucceeded,
  claimAttempt,
} from "../platform/accounts/sign-in-attempts.js";
import { inTransaction } from "../platform/change.js";
import { AppError } from "../platform/errors.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { principalOf } from "./credentials.js";
import type { Db, Tx } from "./schema.js";
import { secondFactorRequired, spendCode } from "./second-factor.js";
import { createSession } from "./sessions.js";
import { userByName } from "./users.js";

type UserRecord = NonNullable<Awaited<ReturnType<typeof userByName>>>;

/** A sign-in whose password was right; its attempt stays counted until it completes. */
export interface PasswordChecked {
  principal: Principal;
  user: UserRecord;
  attempt: Attempt;
  ip: string | undefined;
}

/** A refused sign-in, audited and counted (by its reason only) in this process's metrics. */
function auditFailed(
  ctx: HubContext,
  db: Db | Tx,
  username: string,
  ip: string | undefined,
  detail: { reason: "locked" | "password" | "unknown user" | "code" },
) {
  ctx.metrics?.signInFailures.inc({ reason: detail.reason });
  return audit(db, null, { action: "sign-in.failed", username, ...(ip ? { ip } : {}), detail });
}

/** The answer to a wrong password or code; one that locks the name is counted as a lockout. */
async function failedAttempt(ctx: HubContext, trx: Tx, attempt: Attempt): Promise<AppError> {
  const answer = await attemptFailed(trx, attempt, ctx.clock());
  if (answer.code === "auth.locked") ctx.metrics?.signInLockouts.inc();
  return answer;
}

/**
 * Step one, the password. Unknown names and wrong passwords get the same answer in the same
 * time, and both count toward the name's lockout.
 */
export async function checkPassword(
  ctx: HubContext,
  username: string,
  password: string,
  ip?: string,
): Promise<PasswordChecked> {
  const now = ctx.clock();
  let attempt: Attempt;
  try {
    attempt = await claimAttempt(ctx.db, username, now);
  } catch (e) {
    await auditFailed(ctx, ctx.db, username, ip, { reason: "locked" });
    throw e;
  }
  const user = await userByName(ctx.db, username);
  if (!(await passwordMatches(user?.password_hash, password)) || !user) {
    throw await inTransaction(ctx, async ({ trx }) => {
      await auditFailed(ctx, trx, username, ip, { reason: user ? "password" : "unknown user" });
      return failedAttempt(ctx, trx, attempt);
    });
  }
  if (user.disabled) throw new AppError("auth.disabled");
  return { principal: principalOf(user, ip), user, attempt, ip };
}

/**
 * The second step of a page sign-in, begun by checkPassword in an earlier request: counted as
 * an attempt of its own, so that codes cannot be guessed without limit.
 */
export async function resumeSignIn(
  ctx: HubContext,
  userId: string,
  ip?: string,
): Promise<PasswordChecked> {
  const user = await ctx.db
    .selectFrom("users")
    .selectAll()
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user || user.disabled) throw new AppError("auth.required");
  const attempt = await claimAttempt(ctx.db, user.username, ctx.clock());
  return { principal: principalOf(user, ip), user, attempt, ip };
}

/** Step two: an authenticator or recovery code; a wrong one counts as a wrong password does. */
export async function checkCode(
  ctx: HubContext,
  checked: PasswordChecked,
  code: string,
): Promise<void> {
  const refused = await inTransaction(ctx, async ({ trx }) => {
    if (await spendCode(ctx, trx, checked.user, code)) return undefined;
    await auditFailed(ctx, trx, checked.user.username, checked.ip, { reason: "code" });
    const answer = await failedAttempt(ctx, trx, checked.attempt);
    return answer.code === "auth.failed"
      ? new AppError("auth.code", undefined, { field: "code" })
      : answer;
  });
  if (refused) throw refused;
}

/** The last step: the lockout count starts again, and a session is made (its secret returned). */
export async function completeSignIn(ctx: HubContext, checked: PasswordChecked): Promise<string> {
  const { principal } = checked;
  const result = await inTransaction(ctx, async ({ trx }) => {
    const locked = await attemptSucceeded(trx, checked.attempt, ctx.clock());
    if (locked) {
      await auditFailed(ctx, trx, principal.username, checked.ip, { reason: "locked" });
      return { locked };
    }
    await audit(trx, principal, { action: "sign-in" });
    return { session: await createSession(ctx, trx, principal) };
  });
  if (result.locked) throw result.locked;
  return result.session as string;
}

/** Whether a sign-in whose password was right needs a code, or must set one up, first. */
export async function nextStep(
  ctx: HubContext,
  checked: PasswordChecked,
): Promise<"code" | "set-up" | "done"> {
  if (checked.user.totp_secret) return "code";
  return (await secondFactorRequired(ctx.db, checked.user)) ? "set-up" : "done";
}

/** Signs in in one go (the API): password, then the code if the account has a second factor. */
export async function signIn(
  ctx: HubContext,
  username: string,
  password: string,
  ip?: string,
  code?: string,
): Promise<{ principal: Principal; session: string }> {
  const checked = await checkPassword(ctx, username, password, ip);
  const step = await nextStep(ctx, checked);
  if (step === "set-up") throw new AppError("auth.enrolment-required");
  if (step === "code") {
    if (!code?.trim()) throw new AppError("auth.code-required", undefined, { field: "code" });
    await checkCode(ctx, checked, code);
  }
  // The operator's password opens only the page to choose one's own: no API session with it.
  if (checked.user.must_change_password) throw new AppError("auth.password-change-required");
  return { principal: checked.principal, session: await completeSignIn(ctx, checked) };
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
      await endSession(trx, session);
      notice("principals");
    }
    if (who) await audit(trx, who, { action: "sign-out" });
  });
}

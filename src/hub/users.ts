/** Users and their passwords (argon2id). Every change commits with its audit entry. */

import { checkEmail, checkedUsername } from "../platform/accounts/account-names.js";
import { revokeApiTokensOf } from "../platform/accounts/api-tokens.js";
import {
  checkNewPassword,
  hashPassword,
  passwordMatches,
  randomPassword,
} from "../platform/accounts/passwords.js";
import { endSessionsOf } from "../platform/accounts/sessions.js";
import {
  attemptFailed,
  attemptSucceeded,
  claimAttempt,
  clearAttempts,
} from "../platform/accounts/sign-in-attempts.js";
import { inTransaction } from "../platform/change.js";
import { AppError, checkAll, invalid, requireId } from "../platform/errors.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { askApproval } from "./account-approvals.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { administratorAddresses, notificationAddresses } from "./establishments.js";
import { accountCreatedMessage } from "./messages.js";
import { canDisable, canManageUsers, canResetPassword } from "./policies/accounts.js";
import type { Db, Role, Tx } from "./schema.js";
import { provisionSecondFactor } from "./second-factor.js";
import { issueSignInLink } from "./sign-in-links.js";

export interface NewUser {
  username: string;
  email: string;
  role: Role;
  establishment?: string;
  laCode?: string;
  /** A random one is made (and returned) when absent. */
  password?: string;
  /** An authenticator key (base32) provisioned by the operator: the second factor is set up. */
  totpSecret?: string;
  /** The operator's password is for the first sign-in only: the user must then choose their own. */
  changeAtSignIn?: boolean;
}

export interface CreatedUser {
  id: string;
  username: string;
  role: Role;
  establishment: string | null;
  la_code: string | null;
  email: string;
}

/** The organisation a new user joins, as notice addresses are keyed (an LA as NNNLLLL). */
function organisationKey(input: NewUser): string | null {
  if (input.role === "school") return input.establishment ?? null;
  if (input.role === "la") return `${input.laCode}LLLL`;
  return null;
}

function organisationName(input: NewUser): string {
  if (input.role === "school") return `school ${input.establishment}`;
  if (input.role === "la") return `local authority ${input.laCode}`;
  return "the S2S service administrators";
}

/**
 * Who hears of a new account: for an LA, its notice address and its users; for a school, its
 * notice address or else its users; for an administrator, the administrators.
 */
async function whoToTell(trx: Tx, organisation: string | null): Promise<string[]> {
  if (organisation === null) return administratorAddresses(trx);
  const told = await notificationAddresses(trx, organisation);
  if (!organisation.endsWith("LLLL")) return told;
  const users = await trx
    .selectFrom("users")
    .select("email")
    .where("role", "=", "la")
    .where("la_code", "=", organisation.slice(0, 3))
    .where("disabled", "=", false)
    .execute();
  return [...new Set([...told, ...users.map((u) => u.email)])];
}

/** A school user's establishment, or an LA user's code, is in the directory; no other has one. */
async function checkOrganisation(ctx: HubContext, input: NewUser): Promise<void> {
  if (input.role === "school") {
    if (!input.establishment)
      throw invalid("A school user needs an establishment (LAESTAB).", "establishment");
    const est = await ctx.db
      .selectFrom("establishments")
      .select("laestab")
      .where("laestab", "=", input.establishment)
      .executeTakeFirst();
    if (!est)
      throw invalid(
        `There is no establishment ${input.establishment} in the directory.`,
        "establishment",
      );
  } else if (input.establishment)
    throw invalid("Only school users have an establishment.", "establishment");
  if (input.role === "la") {
    if (!input.laCode || !/^\d{3}$/.test(input.laCode))
      throw invalid("An LA user needs a 3-digit LA code.", "laCode");
    const la = await ctx.db
      .selectFrom("local_authorities")
      .select("code")
      .where("code", "=", input.laCode)
      .executeTakeFirst();
    if (!la)
      throw invalid(`There is no local authority ${input.laCode} in the directory.`, "laCode");
  } else if (input.laCode) throw invalid("Only LA users have an LA code.", "laCode");
}

/**
 * Creates a user. An administrator never knows the password: the user is e-mailed a sign-in link
 * to choose one, and the organisation is told a new account exists. The operator at the server
 * (`actor` null) may set one, or have one made and shown.
 */
export async function createUser(
  ctx: HubContext,
  actor: Principal | null,
  input: NewUser,
): Promise<{ user: CreatedUser; password?: string; linkSentTo?: string; awaitingApproval?: true }> {
  if (!canManageUsers(actor)) throw new AppError("forbidden");
  if (actor !== null && (input.password !== undefined || input.totpSecret !== undefined))
    throw invalid(
      "Administrators do not set passwords or second factors: the user chooses them from the sign-in link we e-mail them.",
      "password",
    );
  let username = "";
  // Every problem of the form at once.
  await checkAll(
    () => {
      username = checkedUsername(input.username);
    },
    () => checkEmail(input.email),
    () => checkOrganisation(ctx, input),
  );
  if (input.password !== undefined) checkNewPassword(input.password, username);
  // For an account opened by a link, a password nobody is told, until the link replaces it.
  const password = input.password ?? randomPassword();
  const passwordHash = await hashPassword(password);
  const organisation = organisationKey(input);
  // A school or LA account an administrator makes waits for its organisation's approval.
  const awaiting = actor !== null && input.role !== "admin";
  // Every new LA account alerts that LA, whoever made it; the approval request does that when
  // an administrator did.
  const told = awaiting
    ? []
    : actor !== null || input.role === "la"
      ? await ctx.db.transaction().execute((trx) => whoToTell(trx, organisation))
      : [];
  // The unique index decides between two creations of one name at once; the error handler
  // answers its violation as a conflict.
  const exists = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirst();
  if (exists)
    throw new AppError("conflict", `The username ${username} is taken.`, { field: "username" });
  const user = await inTransaction(ctx, async ({ trx, mailQueued }) => {
    const row = await trx
      .insertInto("users")
      .values({
        username,
        email: input.email.trim(),
        role: input.role,
        establishment: input.role === "school" ? (input.establishment ?? null) : null,
        la_code: input.role === "la" ? (input.laCode ?? null) : null,
        password_hash: passwordHash,
        must_change_password: actor === null && input.changeAtSignIn === true,
        disabled: awaiting,
        awaiting_approval: awaiting,
      })
      .returning(["id", "username", "role", "establishment", "la_code", "email"])
      .executeTakeFirstOrThrow();
    if (input.totpSecret) await provisionSecondFactor(ctx, trx, row.id, input.totpSecret);
    await audit(trx, actor, {
      action: "user.create",
      target: `user:${row.id}`,
      detail: {
        username,
        role: input.role,
        secondFactor: input.totpSecret !== undefined,
        ...(awaiting ? { awaitingApproval: true } : {}),
      },
    });
    if (awaiting && actor !== null && row.role !== "admin")
      await askApproval(ctx, trx, actor, { ...row, role: row.role });
    else if (actor !== null)
      await issueSignInLink(ctx, trx, actor, { id: row.id, email: row.email }, "welcome");
    if (told.length > 0)
      await enqueueMail(
        trx,
        accountCreatedMessage(told, username, organisationName(input), ctx.config.publicUrl),
        ctx.clock(),
      );
    mailQueued();
    return row;
  });
  if (awaiting) return { user, awaitingApproval: true };
  return actor === null ? { user, password } : { user, linkSentTo: user.email };
}

export async function setDisabled(
  ctx: HubContext,
  actor: Principal | null,
  userId: string,
  disabled: boolean,
) {
  if (!canManageUsers(actor)) throw new AppError("forbidden");
  requireId(userId);
  // An administrator who disabled themselves could not undo it.
  if (disabled && !canDisable(actor, userId))
    throw invalid("You cannot disable your own account. Ask another administrator.");
  await inTransaction(ctx, async ({ trx, notice }) => {
    const r = await trx
      .updateTable("users")
      .set({ disabled })
      .where("id", "=", userId)
      .where("awaiting_approval", "=", false)
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) {
      const waiting = await trx
        .selectFrom("users")
        .select("id")
        .where("id", "=", userId)
        .executeTakeFirst();
      if (!waiting) throw new AppError("not-found");
      // Enabling it would skip the organisation's approval.
      throw invalid(
        "This account waits for its organisation's approval: it opens when they approve it.",
      );
    }
    if (disabled) await endSessionsOf(trx, userId);
    await audit(trx, actor, {
      action: "user.disable",
      target: `user:${userId}`,
      detail: { disabled },
    });
    notice("principals");
  });
}

/**
 * An administrator resets a user's sign-in: a single-use link is e-mailed to the user, who
 * chooses a new password (and, when their phone was lost, sets up their second factor again).
 * The administrator never sees a password or the link.
 */
export async function sendResetLink(
  ctx: HubContext,
  actor: Principal | null,
  userId: string,
  options: { secondFactor?: boolean } = {},
): Promise<{ linkSentTo: string }> {
  if (!canResetPassword(actor, userId)) throw new AppError("forbidden");
  requireId(userId);
  return inTransaction(ctx, async ({ trx }) => {
    const user = await trx
      .selectFrom("users")
      .select(["id", "email", "awaiting_approval"])
      .where("id", "=", userId)
      .executeTakeFirst();
    if (!user) throw new AppError("not-found");
    // Its link goes out when its organisation approves it, not before.
    if (user.awaiting_approval)
      throw invalid("This account waits for its organisation's approval: it has no sign-in yet.");
    await issueSignInLink(ctx, trx, actor, user, "reset", options.secondFactor === true);
    return { linkSentTo: user.email };
  });
}

async function setPassword(
  ctx: HubContext,
  actor: Principal | null,
  userId: string,
  username: string,
  password: string,
  action: "user.password-change",
  options: { revokeTokens?: boolean } = {},
) {
  const passwordHash = await hashPassword(password);
  await inTransaction(ctx, async ({ trx, notice }) => {
    const r = await trx
      .updateTable("users")
      .set({ password_hash: passwordHash, must_change_password: false })
      .where("id", "=", userId)
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) throw new AppError("not-found");
    await clearAttempts(trx, username);
    await endSessionsOf(trx, userId);
    const revoked = options.revokeTokens ? await revokeApiTokensOf(trx, userId, ctx.clock()) : 0;
    await audit(trx, actor, {
      action,
      target: `user:${userId}`,
      ...(options.revokeTokens ? { detail: { tokensRevoked: revoked } } : {}),
    });
    notice("principals");
  });
}

/**
 * The signed-in user proves they know their password again (to change it, or to make a token):
 * each wrong guess counts toward the lockout, as at sign-in, and is audited.
 */
export async function confirmOwnPassword(
  ctx: HubContext,
  p: Principal,
  password: string,
  field = "current",
  wrong = "Your password is not right.",
): Promise<{ username: string; passwordHash: string }> {
  const now = ctx.clock();
  const user = await ctx.db
    .selectFrom("users")
    .select(["username", "password_hash"])
    .where("id", "=", p.userId)
    .executeTakeFirst();
  if (!user) throw new AppError("not-found");
  const attempt = await claimAttempt(ctx.db, user.username, now);
  if (!(await passwordMatches(user.password_hash, password))) {
    const answer = await inTransaction(ctx, async ({ trx }) => {
      await audit(trx, p, { action: "password-change.failed", target: `user:${p.userId}` });
      return attemptFailed(trx, attempt, now);
    });
    if (answer.code === "auth.failed") throw new AppError("auth.failed", wrong, { field });
    throw answer;
  }
  const locked = await inTransaction(ctx, ({ trx }) => attemptSucceeded(trx, attempt, now));
  if (locked) throw locked;
  return { username: user.username, passwordHash: user.password_hash };
}

/**
 * A user changing their own password must know the current one. Every session then ends, and
 * with `revokeTokens` every API token too (for when the password may have been seen).
 */
export async function changePassword(
  ctx: HubContext,
  p: Principal,
  current: string,
  next: string,
  options: { revokeTokens?: boolean } = {},
): Promise<void> {
  const user = await confirmOwnPassword(
    ctx,
    p,
    current,
    "current",
    "Your current password is wrong.",
  );
  checkNewPassword(next, user.username);
  if (await passwordMatches(user.passwordHash, next))
    throw invalid("Choose a password different from the one you have now.", "password");
  await setPassword(ctx, p, p.userId, user.username, next, "user.password-change", options);
}

export async function userByName(db: Db, username: string) {
  return db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
}

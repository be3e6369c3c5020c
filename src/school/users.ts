/**
 * The school side's users: a manager sets up the school and its users; staff keep the register.
 * Made by the operator at the server's command line, or by a manager on the Users page.
 */

import { checkEmail, checkedUsername } from "../platform/accounts/account-names.js";
import { checkNewPassword, hashPassword, randomPassword } from "../platform/accounts/passwords.js";
import { provisionSecondFactor } from "../platform/accounts/second-factor.js";
import { endSessionsOf } from "../platform/accounts/sessions.js";
import { clearAttempts } from "../platform/accounts/sign-in-attempts.js";
import { AppError, checkAll, invalid, isId } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";
import type { MisRole } from "./schema.js";

export interface NewMisUser {
  username: string;
  email: string;
  role: MisRole;
  /** Chosen by the user; a random one is made and returned when absent. */
  password?: string;
  /**
   * The password must be replaced at the first sign-in: set for a password the operator typed
   * or was shown, or a manager was shown (the command line's --no-change-at-sign-in clears it).
   */
  changeAtSignIn?: boolean;
  /** An authenticator key (base32) the operator provisions, for an account used by the API. */
  totpSecret?: string;
}

export async function createMisUser(
  ctx: MisContext,
  actor: MisPrincipal | null,
  input: NewMisUser,
): Promise<{ id: string; password?: string }> {
  if (actor !== null && actor.role !== "manager") throw new AppError("forbidden");
  let username = "";
  await checkAll(
    () => {
      username = checkedUsername(input.username);
    },
    () => checkEmail(input.email),
    () => {
      if (input.role !== "manager" && input.role !== "staff")
        throw invalid("Choose manager or staff.", "role");
    },
  );
  const made = input.password === undefined ? randomPassword() : undefined;
  const password = input.password ?? (made as string);
  checkNewPassword(password, username);
  const taken = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirst();
  if (taken) throw new AppError("conflict", `There is already a user ${username}.`);
  const password_hash = await hashPassword(password);
  const row = await ctx.db.transaction().execute(async (trx) => {
    const made = await trx
      .insertInto("users")
      .values({
        username,
        email: input.email.trim(),
        role: input.role,
        password_hash,
        must_change_password: input.changeAtSignIn === true,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (input.totpSecret)
      await provisionSecondFactor(trx, ctx.secrets, ctx.clock(), made.id, input.totpSecret);
    await misAudit(trx, actor, "user.create", `user:${made.id}`, {
      username,
      role: input.role,
      ...(input.totpSecret ? { secondFactor: true } : {}),
    });
    return made;
  });
  return made === undefined ? { id: row.id } : { id: row.id, password: made };
}

function requireManager(actor: MisPrincipal): void {
  if (actor.role !== "manager") throw new AppError("forbidden");
}

/** Every user, with whether their name is locked by wrong passwords now. */
export async function listMisUsers(ctx: MisContext, actor: MisPrincipal) {
  requireManager(actor);
  const now = ctx.clock();
  const rows = await ctx.db
    .selectFrom("users")
    .leftJoin("sign_in_attempts as a", "a.username", "users.username")
    .select([
      "users.id",
      "users.username",
      "users.email",
      "users.role",
      "users.disabled",
      "users.created_at",
      "users.totp_secret",
      "users.must_change_password",
      "users.token_max_days",
      "a.locked_until",
    ])
    .orderBy("users.username")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    email: r.email,
    role: r.role,
    disabled: r.disabled,
    secondFactor: r.totp_secret !== null,
    mustChangePassword: r.must_change_password,
    /** The longest life of a token they make, when a manager set it shorter; else null. */
    tokenMaxDays: r.token_max_days,
    lockedUntil: r.locked_until && r.locked_until > now ? r.locked_until.toISOString() : null,
    createdAt: r.created_at.toISOString(),
  }));
}

/**
 * Disables a user (their sessions end; their tokens stop working) or enables them again, which
 * also lifts a lockout. A manager cannot disable themselves, so a school always keeps one.
 */
export async function setMisUserDisabled(
  ctx: MisContext,
  actor: MisPrincipal,
  id: string,
  disabled: boolean,
): Promise<void> {
  requireManager(actor);
  if (!isId(id)) throw new AppError("not-found");
  if (disabled && id === actor.userId)
    throw invalid("You cannot disable yourself: ask another manager.", "user");
  await ctx.db.transaction().execute(async (trx) => {
    const user = await trx
      .updateTable("users")
      .set({ disabled })
      .where("id", "=", id)
      .returning("username")
      .executeTakeFirst();
    if (!user) throw new AppError("not-found");
    if (disabled) await endSessionsOf(trx, id);
    else await clearAttempts(trx, user.username);
    await misAudit(trx, actor, disabled ? "user.disable" : "user.enable", `user:${id}`, {
      username: user.username,
    });
  });
}

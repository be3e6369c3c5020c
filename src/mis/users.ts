/**
 * The school side's users: a manager sets up the school and its users; staff keep the register.
 * Made by the operator at the server's command line now, by a manager on a page later.
 */

import type { MisRole } from "../db/mis-schema.js";
import { AppError, invalid } from "../errors.js";
import { checkEmail, checkedUsername } from "../hub/account-names.js";
import { checkNewPassword, hashPassword, randomPassword } from "../hub/passwords.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

export interface NewMisUser {
  username: string;
  email: string;
  role: MisRole;
  /** Chosen by the user; a random one is made and returned when absent. */
  password?: string;
}

export async function createMisUser(
  ctx: MisContext,
  actor: MisPrincipal | null,
  input: NewMisUser,
): Promise<{ id: string; password?: string }> {
  if (actor !== null && actor.role !== "manager") throw new AppError("forbidden");
  const username = checkedUsername(input.username);
  checkEmail(input.email);
  if (input.role !== "manager" && input.role !== "staff")
    throw invalid("A user is a manager or staff.", "role");
  const made = input.password === undefined ? randomPassword() : undefined;
  const password = input.password ?? (made as string);
  checkNewPassword(password, username);
  const taken = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirst();
  if (taken) throw new AppError("conflict", `There is already a user ${username}.`);
  const row = await ctx.db
    .insertInto("users")
    .values({
      username,
      email: input.email.trim(),
      role: input.role,
      password_hash: await hashPassword(password),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await misAudit(ctx.db, actor, "user.create", `user:${row.id}`, { username, role: input.role });
  return made === undefined ? { id: row.id } : { id: row.id, password: made };
}

/** What administrators see of users and their API tokens: never a hash. */
import { sql } from "kysely";
import { AppError, requireId } from "../platform/errors.js";
import type { HubContext, Principal } from "./context.js";
import { canManageUsers } from "./policies/accounts.js";
import { tokensOf } from "./tokens.js";

function adminOnly(actor: Principal): void {
  if (!canManageUsers(actor)) throw new AppError("forbidden");
}

export async function listUsers(ctx: HubContext, actor: Principal) {
  adminOnly(actor);
  const now = ctx.clock();
  const users = await ctx.db
    .selectFrom("users")
    .leftJoin("sign_in_attempts as a", (join) =>
      join
        .onRef("a.username", "=", sql<string>`lower(users.username)`)
        .on("a.locked_until", ">", now),
    )
    .select([
      "users.id",
      "users.username",
      "users.email",
      "users.role",
      "users.establishment",
      "users.la_code",
      "users.disabled",
      "a.locked_until",
      "users.created_at",
    ])
    .orderBy("users.username")
    .execute();
  return users.map((u) => ({
    id: u.id,
    username: u.username,
    email: u.email,
    role: u.role,
    establishment: u.establishment,
    laCode: u.la_code,
    disabled: u.disabled,
    lockedUntil: u.locked_until?.toISOString() ?? null,
    createdAt: u.created_at.toISOString(),
  }));
}

export type UserView = Awaited<ReturnType<typeof listUsers>>[number];

export async function getUser(ctx: HubContext, actor: Principal, id: string): Promise<UserView> {
  requireId(id);
  const user = (await listUsers(ctx, actor)).find((u) => u.id === id);
  if (!user) throw new AppError("not-found");
  return user;
}

export async function listTokens(ctx: HubContext, actor: Principal, userId: string) {
  adminOnly(actor);
  return tokensOf(ctx, userId);
}

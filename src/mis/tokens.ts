/** API tokens for the school side: shown once when made, stored only as SHA-256. */
import { AppError } from "../errors.js";
import { newSecret, sha256 } from "../hub/credentials.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

export async function createMisToken(
  ctx: MisContext,
  actor: MisPrincipal | null,
  username: string,
): Promise<string> {
  if (actor !== null && actor.username !== username) throw new AppError("forbidden");
  const user = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", username)
    .where("disabled", "=", false)
    .executeTakeFirst();
  if (!user) throw new AppError("not-found", `There is no user ${username}.`);
  const token = newSecret("s2s_mis_");
  await ctx.db
    .insertInto("api_tokens")
    .values({ user_id: user.id, token_hash: sha256(token) })
    .execute();
  await misAudit(ctx.db, actor, "token.create", `user:${user.id}`);
  return token;
}

export async function misPrincipalFromToken(
  ctx: MisContext,
  token: string,
  ip?: string,
): Promise<MisPrincipal | undefined> {
  const row = await ctx.db
    .selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.user_id")
    .select(["users.id", "users.username", "users.role", "api_tokens.id as token_id"])
    .where("api_tokens.token_hash", "=", sha256(token))
    .where("api_tokens.revoked_at", "is", null)
    .where("users.disabled", "=", false)
    .executeTakeFirst();
  return row && principalOf(row, ip);
}

/** A user's row as the principal policies and the audit log see. */
export function principalOf(
  row: { id: string; username: string; role: MisPrincipal["role"] },
  ip?: string,
): MisPrincipal {
  const p: MisPrincipal = { userId: row.id, username: row.username, role: row.role };
  return ip === undefined ? p : { ...p, ip };
}

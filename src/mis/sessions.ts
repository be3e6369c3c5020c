/** Signing in to the school side's pages: a password, then a session stored only hashed. */
import { AppError } from "../errors.js";
import { newSecret, sha256 } from "../hub/credentials.js";
import { passwordMatches } from "../hub/passwords.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { principalOf } from "./tokens.js";

export async function misSignIn(
  ctx: MisContext,
  username: string,
  password: string,
): Promise<{ token: string; expiresAt: Date }> {
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "password_hash", "disabled"])
    .where("username", "=", username.trim())
    .executeTakeFirst();
  // An unknown name takes as long as a wrong password: a hash is checked either way.
  const ok = await passwordMatches(user?.password_hash, password);
  if (!user || !ok || user.disabled) throw new AppError("auth.failed");
  const token = newSecret("s2s_mis_session_");
  const expiresAt = new Date(ctx.clock().getTime() + ctx.config.sessionHours * 3600_000);
  await ctx.db
    .insertInto("sessions")
    .values({ token_hash: sha256(token), user_id: user.id, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

export async function misPrincipalFromSession(
  ctx: MisContext,
  token: string,
  ip?: string,
): Promise<MisPrincipal | undefined> {
  const row = await ctx.db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select(["users.id", "users.username", "users.role"])
    .where("sessions.token_hash", "=", sha256(token))
    .where("sessions.expires_at", ">", ctx.clock())
    .where("users.disabled", "=", false)
    .executeTakeFirst();
  return row && principalOf(row, ip);
}

export async function misSignOut(ctx: MisContext, token: string): Promise<void> {
  await ctx.db.deleteFrom("sessions").where("token_hash", "=", sha256(token)).execute();
}

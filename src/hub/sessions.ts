/** Web sessions: a random secret in a cookie, stored only hashed, ending after a set time. */

import type { HubContext, Principal } from "./context.js";
import { cached, newSecret, principalColumns, principalOf, sha256, withIp } from "./credentials.js";
import type { Db, Tx } from "./schema.js";

export async function createSession(ctx: HubContext, db: Db | Tx, p: Principal): Promise<string> {
  const token = newSecret("");
  await db
    .insertInto("sessions")
    .values({
      token_hash: sha256(token),
      user_id: p.userId,
      expires_at: new Date(ctx.clock().getTime() + ctx.config.sessionHours * 3600_000),
    })
    .execute();
  return token;
}

export async function principalFromSession(
  ctx: HubContext,
  token: string,
  ip?: string,
): Promise<Principal | undefined> {
  const now = ctx.clock();
  const found = await cached(ctx, sha256(token), async (hash) => {
    const row = await ctx.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select([...principalColumns, "sessions.expires_at"])
      .where("sessions.token_hash", "=", hash)
      .where("sessions.expires_at", ">", now)
      .where("users.disabled", "=", false)
      .executeTakeFirst();
    return row && { ...principalOf(row), expiresAt: row.expires_at };
  });
  if (!found?.expiresAt || found.expiresAt <= now) return undefined;
  return withIp(found, ip);
}

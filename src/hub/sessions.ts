/** The hub's web sessions (platform/accounts/sessions.ts), and whom one belongs to, cached. */

import { openSession } from "../platform/accounts/sessions.js";
import type { HubContext, Principal } from "./context.js";
import { cached, principalColumns, principalOf, sha256, withIp } from "./credentials.js";
import type { Db, Tx } from "./schema.js";

export async function createSession(ctx: HubContext, db: Db | Tx, p: Principal): Promise<string> {
  return (await openSession(db, p.userId, ctx.clock(), ctx.config.sessionHours)).token;
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

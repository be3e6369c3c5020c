/** API tokens: shown once when made, stored only hashed, revoked by their owner or an admin. */
import { AppError, requireId } from "../errors.js";
import { audit } from "./audit.js";
import { inTransaction } from "./change.js";
import type { HubContext, Principal } from "./context.js";
import { cached, newSecret, principalColumns, principalOf, sha256, withIp } from "./credentials.js";
import { canCreateToken, canRevokeToken } from "./policies/accounts.js";
import { userByName } from "./users.js";

const LAST_USED_PRECISION_MS = 5 * 60_000;

export async function principalFromToken(
  ctx: HubContext,
  token: string,
  ip?: string,
): Promise<Principal | undefined> {
  const hash = sha256(token);
  const found = await cached(ctx, hash, async () => {
    const row = await ctx.db
      .selectFrom("api_tokens")
      .innerJoin("users", "users.id", "api_tokens.user_id")
      .select([...principalColumns, "api_tokens.id as token_id", "api_tokens.last_used_at"])
      .where("api_tokens.token_hash", "=", hash)
      .where("api_tokens.revoked_at", "is", null)
      .where("users.disabled", "=", false)
      .executeTakeFirst();
    return row && { ...principalOf(row), tokenId: row.token_id, lastUsedAt: row.last_used_at };
  });
  if (!found?.tokenId) return undefined;
  // A script may call many times a second: a write (and its commit) on every call would cost
  // more than the call itself, and "last used" to the nearest few minutes is all admins need.
  const now = ctx.clock();
  if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS) {
    await ctx.db
      .updateTable("api_tokens")
      .set({ last_used_at: now })
      .where("id", "=", found.tokenId)
      .execute();
    ctx.caches?.principals.update(hash, { ...found, lastUsedAt: now });
  }
  return withIp(found, ip);
}

/** Issues an API token for a user; the token is returned once and stored only hashed. */
export async function createToken(
  ctx: HubContext,
  actor: Principal | null,
  username: string,
  label = "",
) {
  if (!canCreateToken(actor, username)) throw new AppError("forbidden");
  const user = await userByName(ctx.db, username);
  if (!user) throw new AppError("not-found", `There is no user ${username}.`);
  const token = newSecret("s2s_");
  const id = await inTransaction(ctx, async ({ trx }) => {
    const row = await trx
      .insertInto("api_tokens")
      .values({ user_id: user.id, token_hash: sha256(token), label })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, actor, {
      action: "token.create",
      target: `token:${row.id}`,
      detail: { username },
    });
    return row.id;
  });
  return { id, token };
}

export async function revokeToken(ctx: HubContext, actor: Principal | null, tokenId: string) {
  const row = await ctx.db
    .selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.user_id")
    .select(["api_tokens.id", "users.username"])
    .where("api_tokens.id", "=", requireId(tokenId))
    .executeTakeFirst();
  if (!row) throw new AppError("not-found");
  if (!canRevokeToken(actor, row.username)) throw new AppError("forbidden");
  await inTransaction(ctx, async ({ trx, notice }) => {
    await trx
      .updateTable("api_tokens")
      .set({ revoked_at: ctx.clock() })
      .where("id", "=", tokenId)
      .where("revoked_at", "is", null)
      .execute();
    await audit(trx, actor, { action: "token.revoke", target: `token:${tokenId}` });
    notice("principals");
  });
}

/** API tokens: shown once when made, stored only hashed, revoked by their owner or an admin. */

import {
  apiTokensOf,
  checkTokenCeiling,
  checkTokenDays,
  issueApiToken,
  revokeApiToken,
  setUserTokenLife,
  tokenCeiling,
  touchApiToken,
  userTokenMaxDays,
} from "../platform/accounts/api-tokens.js";
import { inTransaction } from "../platform/change.js";
import { AppError, requireId } from "../platform/errors.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { cached, principalColumns, principalOf, sha256, withIp } from "./credentials.js";
import { canCreateToken, canManageUsers, canRevokeToken } from "./policies/accounts.js";
import { confirmOwnPassword, userByName } from "./users.js";

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
      .select([
        ...principalColumns,
        "api_tokens.id as token_id",
        "api_tokens.last_used_at",
        "api_tokens.expires_at",
      ])
      .where("api_tokens.token_hash", "=", hash)
      .where("api_tokens.revoked_at", "is", null)
      .where("users.disabled", "=", false)
      .executeTakeFirst();
    return (
      row && {
        ...principalOf(row),
        tokenId: row.token_id,
        lastUsedAt: row.last_used_at,
        ...(row.expires_at ? { expiresAt: row.expires_at } : {}),
      }
    );
  });
  if (!found?.tokenId) return undefined;
  const now = ctx.clock();
  if (found.expiresAt && found.expiresAt <= now) return undefined;
  if (await touchApiToken(ctx.db, found.tokenId, found.lastUsedAt ?? null, now))
    ctx.caches?.principals.update(hash, { ...found, lastUsedAt: now });
  return withIp(found, ip);
}

export interface NewToken {
  label?: string;
  /** Days until it stops working; none (the operator only): until revoked. */
  expiresInDays?: number;
  /** The user's password, entered again: a session alone (perhaps a stolen one) makes no token. */
  password?: string;
}

/**
 * Issues an API token for a user, made by that user (or the operator at the server); returned
 * once and stored only hashed. A user gives their password again and a life of at most
 * `tokenMaxDays`, or their own longest life when an administrator set a shorter one; the operator
 * may make one that lasts until revoked, unless the user has a longest life of their own.
 */
export async function createToken(
  ctx: HubContext,
  actor: Principal | null,
  username: string,
  input: NewToken = {},
) {
  if (!canCreateToken(actor, username)) throw new AppError("forbidden");
  const user = await userByName(ctx.db, username);
  if (!user) throw new AppError("not-found", `There is no user ${username}.`);
  const ceiling = tokenCeiling(
    actor === null ? 3660 : ctx.config.tokenMaxDays,
    user.token_max_days,
  );
  const days =
    actor === null && input.expiresInDays === undefined && user.token_max_days === null
      ? undefined
      : checkTokenDays(input.expiresInDays, ceiling);
  if (actor !== null) await confirmOwnPassword(ctx, actor, input.password ?? "", "password");
  const expiresAt = days === undefined ? null : new Date(ctx.clock().getTime() + days * 86_400_000);
  const { id, token } = await inTransaction(ctx, async ({ trx }) => {
    const row = await issueApiToken(trx, {
      userId: user.id,
      prefix: "s2s_",
      ...(input.label === undefined ? {} : { label: input.label }),
      expiresAt,
    });
    await audit(trx, actor, {
      action: "token.create",
      target: `token:${row.id}`,
      detail: { username, ...(days === undefined ? {} : { expiresInDays: days }) },
    });
    return row;
  });
  return { id, token, expiresAt: expiresAt?.toISOString() ?? null };
}

/**
 * An administrator sets how long a user's tokens may last, at most the service's longest (null:
 * the service's). Tokens the user has that would last longer now end within it, so a lowered
 * life takes effect at once rather than when old tokens run out.
 */
export async function setTokenLife(
  ctx: HubContext,
  actor: Principal | null,
  userId: string,
  tokenMaxDays: number | null,
) {
  if (!canManageUsers(actor)) throw new AppError("forbidden");
  requireId(userId);
  const days = checkTokenCeiling(tokenMaxDays, ctx.config.tokenMaxDays);
  return inTransaction(ctx, async ({ trx, notice }) => {
    const set = await setUserTokenLife(trx, userId, days, ctx.clock());
    if (!set) throw new AppError("not-found");
    const { shortened } = set;
    await audit(trx, actor, {
      action: "user.token-life",
      target: `user:${userId}`,
      detail: { tokenMaxDays: days, shortened },
    });
    // A token's end is held with its principal.
    if (shortened > 0) notice("principals");
    return { tokenMaxDays: days, shortened };
  });
}

/** The longest life a token `userId` makes may have: the service's, or their own if shorter. */
export const tokenMaxDaysOf = (ctx: HubContext, userId: string): Promise<number> =>
  userTokenMaxDays(ctx.db, requireId(userId), ctx.config.tokenMaxDays);

/** A user's tokens as their owner or an administrator sees them: never the secret. */
export const tokensOf = (ctx: HubContext, userId: string) =>
  apiTokensOf(ctx.db, requireId(userId), ctx.clock());

/** The token `actor` would revoke, or the refusal: asked by the revoke and its confirmation. */
export async function tokenToRevoke(ctx: HubContext, actor: Principal | null, tokenId: string) {
  const row = await ctx.db
    .selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.user_id")
    .select([
      "api_tokens.id",
      "api_tokens.label",
      "api_tokens.created_at",
      "api_tokens.last_used_at",
      "users.username",
    ])
    .where("api_tokens.id", "=", requireId(tokenId))
    .executeTakeFirst();
  if (!row) throw new AppError("not-found");
  if (!canRevokeToken(actor, row.username)) throw new AppError("forbidden");
  return row;
}

export async function revokeToken(ctx: HubContext, actor: Principal | null, tokenId: string) {
  await tokenToRevoke(ctx, actor, tokenId);
  await inTransaction(ctx, async ({ trx, notice }) => {
    await revokeApiToken(trx, tokenId, ctx.clock());
    await audit(trx, actor, { action: "token.revoke", target: `token:${tokenId}` });
    notice("principals");
  });
}

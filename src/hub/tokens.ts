/** API tokens: shown once when made, stored only hashed, revoked by their owner or an admin. */

import {
  apiTokensOf,
  checkTokenDays,
  issueApiToken,
  revokeApiToken,
  touchApiToken,
} from "../platform/accounts/api-tokens.js";
import { inTransaction } from "../platform/change.js";
import { AppError, requireId } from "../platform/errors.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { cached, principalColumns, principalOf, sha256, withIp } from "./credentials.js";
import { canCreateToken, canRevokeToken } from "./policies/accounts.js";
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
 * `tokenMaxDays`; the operator may make one that lasts until revoked.
 */
export async function createToken(
  ctx: HubContext,
  actor: Principal | null,
  username: string,
  input: NewToken = {},
) {
  if (!canCreateToken(actor, username)) throw new AppError("forbidden");
  const days =
    actor === null
      ? input.expiresInDays === undefined
        ? undefined
        : checkTokenDays(input.expiresInDays, 3660)
      : checkTokenDays(input.expiresInDays, ctx.config.tokenMaxDays);
  if (actor !== null) await confirmOwnPassword(ctx, actor, input.password ?? "", "password");
  const user = await userByName(ctx.db, username);
  if (!user) throw new AppError("not-found", `There is no user ${username}.`);
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

/** API tokens for the school side: shown once when made, stored only as SHA-256. */

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
import { sha256 } from "../platform/accounts/secrets.js";
import { AppError, isId } from "../platform/errors.js";
import { confirmOwnMisPassword } from "./accounts.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

/**
 * Makes an API token, shown this once. A user gives their password again and a life of at most
 * `tokenMaxDays` (or their own longest, when a manager set a shorter one), so a session (perhaps
 * a stolen one) alone makes no lasting key; the operator at the server (`actor` null) makes one
 * that lasts until revoked, unless the user has a longest life of their own.
 */
export async function createMisToken(
  ctx: MisContext,
  actor: MisPrincipal | null,
  username: string,
  input: { password?: string; expiresInDays?: number } = {},
): Promise<string> {
  if (actor !== null && actor.username !== username) throw new AppError("forbidden");
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "token_max_days"])
    .where("username", "=", username)
    .where("disabled", "=", false)
    .executeTakeFirst();
  if (!user) throw new AppError("not-found", `There is no user ${username}.`);
  let expiresAt: Date | null = null;
  if (actor !== null || input.expiresInDays !== undefined || user.token_max_days !== null) {
    const appMax = actor === null ? 3660 : ctx.config.tokenMaxDays;
    const days = checkTokenDays(input.expiresInDays, tokenCeiling(appMax, user.token_max_days));
    if (actor !== null) await confirmOwnMisPassword(ctx, actor, input.password ?? "", "password");
    expiresAt = new Date(ctx.clock().getTime() + days * 86_400_000);
  }
  return ctx.db.transaction().execute(async (trx) => {
    const made = await issueApiToken(trx, { userId: user.id, prefix: "s2s_mis_", expiresAt });
    await misAudit(trx, actor, "token.create", `user:${user.id}`, { token: made.id });
    return made.token;
  });
}

/** The longest life a token the actor makes may have: the school side's, or their own. */
export const misTokenMaxDays = (ctx: MisContext, actor: MisPrincipal): Promise<number> =>
  userTokenMaxDays(ctx.db, actor.userId, ctx.config.tokenMaxDays);

/**
 * A manager sets how long a user's tokens may last, at most the school side's longest (null: the
 * school side's). Tokens the user has that would last longer now end within it.
 */
export async function setMisTokenLife(
  ctx: MisContext,
  actor: MisPrincipal,
  userId: string,
  tokenMaxDays: number | null,
): Promise<{ tokenMaxDays: number | null; shortened: number }> {
  if (actor.role !== "manager") throw new AppError("forbidden");
  if (!isId(userId)) throw new AppError("not-found");
  const days = checkTokenCeiling(tokenMaxDays, ctx.config.tokenMaxDays);
  return ctx.db.transaction().execute(async (trx) => {
    const set = await setUserTokenLife(trx, userId, days, ctx.clock());
    if (!set) throw new AppError("not-found");
    await misAudit(trx, actor, "user.token-life", `user:${userId}`, {
      username: set.username,
      tokenMaxDays: days,
      shortened: set.shortened,
    });
    return { tokenMaxDays: days, shortened: set.shortened };
  });
}

/** A user's own tokens (never the secret: only when each was made and last used). */
export const listMisTokens = (ctx: MisContext, actor: MisPrincipal) =>
  apiTokensOf(ctx.db, actor.userId, ctx.clock());

/** Revokes one of the actor's own tokens (a manager may revoke anyone's). */
export async function revokeMisToken(
  ctx: MisContext,
  actor: MisPrincipal,
  id: string,
): Promise<void> {
  if (!isId(id)) throw new AppError("not-found");
  await ctx.db.transaction().execute(async (trx) => {
    const owner = await revokeApiToken(
      trx,
      id,
      ctx.clock(),
      actor.role === "manager" ? undefined : actor.userId,
    );
    if (!owner) throw new AppError("not-found", "There is no such token in use.");
    await misAudit(trx, actor, "token.revoke", `user:${owner}`, { token: id });
  });
}

export async function misPrincipalFromToken(
  ctx: MisContext,
  token: string,
  ip?: string,
): Promise<MisPrincipal | undefined> {
  const row = await ctx.db
    .selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.user_id")
    .select([
      "users.id",
      "users.username",
      "users.role",
      "users.must_change_password",
      "api_tokens.id as token_id",
      "api_tokens.last_used_at",
    ])
    .where("api_tokens.token_hash", "=", sha256(token))
    .where("api_tokens.revoked_at", "is", null)
    .where((eb) =>
      eb.or([
        eb("api_tokens.expires_at", "is", null),
        eb("api_tokens.expires_at", ">", ctx.clock()),
      ]),
    )
    .where("users.disabled", "=", false)
    .executeTakeFirst();
  if (!row) return undefined;
  // When a token was last used tells its owner whether it may go.
  await touchApiToken(ctx.db, row.token_id, row.last_used_at, ctx.clock());
  return principalOf(row, ip);
}

/** A user's row as the principal policies and the audit log see. */
export function principalOf(
  row: {
    id: string;
    username: string;
    role: MisPrincipal["role"];
    must_change_password?: boolean;
  },
  ip?: string,
): MisPrincipal {
  const p: MisPrincipal = { userId: row.id, username: row.username, role: row.role };
  if (row.must_change_password) p.mustChangePassword = true;
  return ip === undefined ? p : { ...p, ip };
}

/** API tokens for the school side: shown once when made, stored only as SHA-256. */

import { newSecret, sha256 } from "../platform/accounts/secrets.js";
import { AppError, isId } from "../platform/errors.js";
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
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto("api_tokens")
      .values({ user_id: user.id, token_hash: sha256(token) })
      .execute();
    await misAudit(trx, actor, "token.create", `user:${user.id}`);
  });
  return token;
}

/** A user's own tokens (never the secret: only when each was made and last used). */
export async function listMisTokens(ctx: MisContext, actor: MisPrincipal) {
  const rows = await ctx.db
    .selectFrom("api_tokens")
    .select(["id", "created_at", "last_used_at", "revoked_at"])
    .where("user_id", "=", actor.userId)
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  }));
}

/** Revokes one of the actor's own tokens (a manager may revoke anyone's). */
export async function revokeMisToken(
  ctx: MisContext,
  actor: MisPrincipal,
  id: string,
): Promise<void> {
  if (!isId(id)) throw new AppError("not-found");
  await ctx.db.transaction().execute(async (trx) => {
    let query = trx
      .updateTable("api_tokens")
      .set({ revoked_at: ctx.clock() })
      .where("id", "=", id)
      .where("revoked_at", "is", null);
    if (actor.role !== "manager") query = query.where("user_id", "=", actor.userId);
    const done = await query.returning("user_id").executeTakeFirst();
    if (!done) throw new AppError("not-found", "There is no such token in use.");
    await misAudit(trx, actor, "token.revoke", `user:${done.user_id}`, { token: id });
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
    ])
    .where("api_tokens.token_hash", "=", sha256(token))
    .where("api_tokens.revoked_at", "is", null)
    .where("users.disabled", "=", false)
    .executeTakeFirst();
  if (!row) return undefined;
  // When a token was last used tells its owner whether it may go; once a minute is enough.
  const now = ctx.clock();
  await ctx.db
    .updateTable("api_tokens")
    .set({ last_used_at: now })
    .where("id", "=", row.token_id)
    .where((eb) =>
      eb.or([
        eb("last_used_at", "is", null),
        eb("last_used_at", "<", new Date(now.getTime() - 60_000)),
      ]),
    )
    .execute();
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

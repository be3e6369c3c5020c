/**
 * Users, passwords, API tokens and sessions. Passwords are argon2id; tokens and session ids are
 * random and stored only as SHA-256, so a copy of the database opens no account.
 */
import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { Db } from "../db/database.js";
import type { Role } from "../db/schema.js";
import { audit } from "./audit.js";
import type { CachedPrincipal } from "./caches.js";
import type { HubContext, Principal } from "./context.js";
import { HubError, invalid } from "./errors.js";

const MAX_FAILED = 5;
const LOCK_MINUTES = 15;

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const newSecret = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`;

export function randomPassword(): string {
  return randomBytes(15).toString("base64url");
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

type UserRow = {
  id: string;
  username: string;
  role: Role;
  establishment: string | null;
  la_code: string | null;
};

function principalOf(u: UserRow, ip?: string): Principal {
  const p: Principal = {
    userId: u.id,
    username: u.username,
    role: u.role,
    establishment: u.establishment,
    laCode: u.la_code,
  };
  if (ip !== undefined) p.ip = ip;
  return p;
}

export interface NewUser {
  username: string;
  email: string;
  role: Role;
  establishment?: string;
  laCode?: string;
  /** A random one is made (and returned) when absent. */
  password?: string;
}

/** Creates a user; `actor` null means the command line run by the service's operator. */
export async function createUser(ctx: HubContext, actor: Principal | null, input: NewUser) {
  if (actor !== null && actor.role !== "admin") throw new HubError("forbidden");
  const username = input.username.trim();
  if (!/^[A-Za-z0-9._@-]{3,64}$/.test(username)) {
    throw invalid("A username is 3 to 64 letters, digits, dots, dashes, underscores or @.");
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email))
    throw invalid("That is not an e-mail address.");
  if (input.role === "school") {
    if (!input.establishment) throw invalid("A school user needs an establishment (LAESTAB).");
    const est = await ctx.db
      .selectFrom("establishments")
      .select("laestab")
      .where("laestab", "=", input.establishment)
      .executeTakeFirst();
    if (!est) throw invalid(`There is no establishment ${input.establishment} in the directory.`);
  } else if (input.establishment) throw invalid("Only school users have an establishment.");
  if (input.role === "la") {
    if (!input.laCode || !/^\d{3}$/.test(input.laCode))
      throw invalid("An LA user needs a 3-digit LA code.");
    const la = await ctx.db
      .selectFrom("local_authorities")
      .select("code")
      .where("code", "=", input.laCode)
      .executeTakeFirst();
    if (!la) throw invalid(`There is no local authority ${input.laCode} in the directory.`);
  } else if (input.laCode) throw invalid("Only LA users have an LA code.");
  const password = input.password ?? randomPassword();
  if (password.length < 12) throw invalid("A password has at least 12 characters.");
  const exists = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirst();
  if (exists) throw new HubError("conflict", `The username ${username} is taken.`);
  const user = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("users")
      .values({
        username,
        email: input.email.trim(),
        role: input.role,
        establishment: input.role === "school" ? (input.establishment ?? null) : null,
        la_code: input.role === "la" ? (input.laCode ?? null) : null,
        password_hash: await hashPassword(password),
      })
      .returning(["id", "username", "role", "establishment", "la_code", "email"])
      .executeTakeFirstOrThrow();
    await audit(trx, actor, {
      action: "user.create",
      target: `user:${row.id}`,
      detail: { username, role: input.role },
    });
    return row;
  });
  return { user, password };
}

export async function setDisabled(
  ctx: HubContext,
  actor: Principal | null,
  userId: string,
  disabled: boolean,
) {
  if (actor !== null && actor.role !== "admin") throw new HubError("forbidden");
  // An administrator who disabled themselves could not undo it.
  if (disabled && actor?.userId === userId)
    throw invalid("You cannot disable your own account. Ask another administrator.");
  const r = await ctx.db
    .updateTable("users")
    .set({ disabled })
    .where("id", "=", userId)
    .executeTakeFirst();
  if (r.numUpdatedRows === 0n) throw new HubError("not-found");
  if (disabled) await ctx.db.deleteFrom("sessions").where("user_id", "=", userId).execute();
  changedPrincipals(ctx);
  await audit(ctx.db, actor, {
    action: "user.disable",
    target: `user:${userId}`,
    detail: { disabled },
  });
}

export async function resetPassword(
  ctx: HubContext,
  actor: Principal | null,
  userId: string,
  password = randomPassword(),
) {
  if (actor !== null && actor.role !== "admin" && actor.userId !== userId)
    throw new HubError("forbidden");
  if (password.length < 12) throw invalid("A password has at least 12 characters.");
  const r = await ctx.db
    .updateTable("users")
    .set({ password_hash: await hashPassword(password), failed_sign_ins: 0, locked_until: null })
    .where("id", "=", userId)
    .executeTakeFirst();
  if (r.numUpdatedRows === 0n) throw new HubError("not-found");
  await ctx.db.deleteFrom("sessions").where("user_id", "=", userId).execute();
  changedPrincipals(ctx);
  await audit(ctx.db, actor, { action: "user.password-reset", target: `user:${userId}` });
  return password;
}

/** A user changing their own password must know the current one; every session then ends. */
export async function changePassword(
  ctx: HubContext,
  p: Principal,
  current: string,
  next: string,
): Promise<void> {
  const user = await ctx.db
    .selectFrom("users")
    .select("password_hash")
    .where("id", "=", p.userId)
    .executeTakeFirst();
  if (!user || !(await verify(user.password_hash, current)))
    throw new HubError("auth.failed", "Your current password is wrong.");
  await resetPassword(ctx, p, p.userId, next);
}

export async function userByName(db: Db, username: string) {
  return db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
}

/** Checks a password; locks the account after repeated failures. Says nothing of which part was wrong. */
export async function signIn(
  ctx: HubContext,
  username: string,
  password: string,
  ip?: string,
): Promise<Principal> {
  const now = ctx.clock();
  const user = await userByName(ctx.db, username);
  if (!user) {
    await audit(ctx.db, null, {
      action: "sign-in.failed",
      username,
      ...(ip ? { ip } : {}),
      detail: { reason: "unknown user" },
    });
    throw new HubError("auth.failed");
  }
  if (user.locked_until && user.locked_until > now) {
    await audit(ctx.db, null, {
      action: "sign-in.failed",
      username,
      ...(ip ? { ip } : {}),
      detail: { reason: "locked" },
    });
    throw new HubError("auth.locked");
  }
  if (!(await verify(user.password_hash, password))) {
    const failed = user.failed_sign_ins + 1;
    const lock = failed >= MAX_FAILED ? new Date(now.getTime() + LOCK_MINUTES * 60_000) : null;
    await ctx.db
      .updateTable("users")
      .set({ failed_sign_ins: lock ? 0 : failed, locked_until: lock })
      .where("id", "=", user.id)
      .execute();
    await audit(ctx.db, null, {
      action: "sign-in.failed",
      username,
      ...(ip ? { ip } : {}),
      detail: { reason: "password", locked: lock !== null },
    });
    throw new HubError(lock ? "auth.locked" : "auth.failed");
  }
  if (user.disabled) throw new HubError("auth.disabled");
  await ctx.db
    .updateTable("users")
    .set({ failed_sign_ins: 0, locked_until: null })
    .where("id", "=", user.id)
    .execute();
  const principal = principalOf(user, ip);
  await audit(ctx.db, principal, { action: "sign-in" });
  return principal;
}

export async function createSession(ctx: HubContext, p: Principal): Promise<string> {
  const token = newSecret("");
  await ctx.db
    .insertInto("sessions")
    .values({
      token_hash: sha256(token),
      user_id: p.userId,
      expires_at: new Date(ctx.clock().getTime() + ctx.config.sessionHours * 3600_000),
    })
    .execute();
  return token;
}

export async function endSession(ctx: HubContext, token: string): Promise<void> {
  await ctx.db.deleteFrom("sessions").where("token_hash", "=", sha256(token)).execute();
  changedPrincipals(ctx);
}

const LAST_USED_PRECISION_MS = 5 * 60_000;

const principalColumns = [
  "users.id",
  "users.username",
  "users.role",
  "users.establishment",
  "users.la_code",
] as const;

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

function cached(
  ctx: HubContext,
  hash: string,
  load: (hash: string) => Promise<CachedPrincipal | undefined>,
): Promise<CachedPrincipal | undefined> {
  return ctx.caches ? ctx.caches.principals.get(hash, () => load(hash)) : load(hash);
}

function withIp(c: CachedPrincipal, ip: string | undefined): Principal {
  const { expiresAt: _e, tokenId: _t, lastUsedAt: _l, ...p } = c;
  return ip === undefined ? p : { ...p, ip };
}

/**
 * The database tells every process when a credential or its user changes; telling this process
 * at once as well means a revoked token or ended session fails on the very next request here.
 */
function changedPrincipals(ctx: HubContext): void {
  ctx.caches?.notice("principals");
}

/** Issues an API token for a user; the token is returned once and stored only hashed. */
export async function createToken(
  ctx: HubContext,
  actor: Principal | null,
  username: string,
  label = "",
) {
  if (actor !== null && actor.role !== "admin" && actor.username !== username)
    throw new HubError("forbidden");
  const user = await userByName(ctx.db, username);
  if (!user) throw new HubError("not-found", `There is no user ${username}.`);
  const token = newSecret("s2s_");
  const row = await ctx.db
    .insertInto("api_tokens")
    .values({ user_id: user.id, token_hash: sha256(token), label })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(ctx.db, actor, {
    action: "token.create",
    target: `token:${row.id}`,
    detail: { username },
  });
  return { id: row.id, token };
}

export async function revokeToken(ctx: HubContext, actor: Principal | null, tokenId: string) {
  const row = await ctx.db
    .selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.user_id")
    .select(["api_tokens.id", "users.username"])
    .where("api_tokens.id", "=", tokenId)
    .executeTakeFirst();
  if (!row) throw new HubError("not-found");
  if (actor !== null && actor.role !== "admin" && actor.username !== row.username)
    throw new HubError("forbidden");
  await ctx.db
    .updateTable("api_tokens")
    .set({ revoked_at: ctx.clock() })
    .where("id", "=", tokenId)
    .execute();
  changedPrincipals(ctx);
  await audit(ctx.db, actor, { action: "token.revoke", target: `token:${tokenId}` });
}

/** What administrators see of users and their API tokens: never a hash. */
import { sql } from "kysely";
import { AppError, requireId } from "../platform/errors.js";
import type { HubContext, Principal } from "./context.js";
import { organisationNames } from "./organisation-names.js";
import { canManageUsers } from "./policies/accounts.js";
import { tokensOf } from "./tokens.js";

function adminOnly(actor: Principal): void {
  if (!canManageUsers(actor)) throw new AppError("forbidden");
}

export interface UserQuery {
  role?: string;
  state?: "active" | "disabled" | "locked";
  /** A school's number (or its start) or an LA's code. */
  organisation?: string;
  sort?: "name" | "newest" | "oldest";
  id?: string;
  /** Any case. */
  username?: string;
  page?: number;
  pageSize?: number;
}

/**
 * A page of users matching `q`, and how many match in all: filtered, sorted and paged by the
 * database, so a service of tens of thousands of users is never read whole.
 */
export async function listUsers(ctx: HubContext, actor: Principal, q: UserQuery = {}) {
  adminOnly(actor);
  const now = ctx.clock();
  let query = ctx.db
    .selectFrom("users")
    .leftJoin("sign_in_attempts as a", (join) =>
      join
        .onRef("a.username", "=", sql<string>`lower(users.username)`)
        .on("a.locked_until", ">", now),
    );
  if (q.role) query = query.where("users.role", "=", q.role as never);
  if (q.state === "disabled") query = query.where("users.disabled", "=", true);
  if (q.state === "locked")
    query = query.where("users.disabled", "=", false).where("a.locked_until", "is not", null);
  if (q.state === "active")
    query = query.where("users.disabled", "=", false).where("a.locked_until", "is", null);
  const org = q.organisation;
  if (org)
    query = query.where((eb) =>
      eb.or([
        eb("users.la_code", "=", org),
        eb("users.establishment", "like", `${org.replace(/[\\%_]/g, "")}%`),
      ]),
    );
  if (q.id) query = query.where("users.id", "=", requireId(q.id));
  if (q.username)
    query = query.where(sql<string>`lower(users.username)`, "=", q.username.toLowerCase());
  const { n } = await query
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const pageSize = Math.min(Math.max(1, q.pageSize ?? 500), 500);
  const page = Math.max(1, q.page ?? 1);
  const rows = await query
    .select([
      "users.id",
      "users.username",
      "users.email",
      "users.role",
      "users.establishment",
      "users.la_code",
      "users.disabled",
      "users.awaiting_approval",
      "users.token_max_days",
      "a.locked_until",
      "users.created_at",
    ])
    .orderBy(
      q.sort === "newest" || q.sort === "oldest" ? "users.created_at" : "users.username",
      q.sort === "newest" ? "desc" : "asc",
    )
    .orderBy("users.id")
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .execute();
  const orgOf = (u: { establishment: string | null; la_code: string | null }) =>
    u.establishment ?? (u.la_code ? `LA ${u.la_code}` : null);
  const names = await organisationNames(ctx.db, rows.map(orgOf));
  const users = rows.map((u) => ({
    id: u.id,
    username: u.username,
    email: u.email,
    role: u.role,
    establishment: u.establishment,
    laCode: u.la_code,
    /** The school or LA by name with its number ("Northshire (LA 823)"); null: an administrator. */
    organisation: names.get(orgOf(u) ?? "") ?? null,
    disabled: u.disabled,
    awaitingApproval: u.awaiting_approval,
    /** The longest life of a token they make, when shorter than the service's; else null. */
    tokenMaxDays: u.token_max_days,
    lockedUntil: u.locked_until?.toISOString() ?? null,
    createdAt: u.created_at.toISOString(),
  }));
  const total = Number(n);
  return { users, total, more: page * pageSize < total };
}

export type UserView = Awaited<ReturnType<typeof listUsers>>["users"][number];

export async function getUser(ctx: HubContext, actor: Principal, id: string): Promise<UserView> {
  const [user] = (await listUsers(ctx, actor, { id })).users;
  if (!user) throw new AppError("not-found");
  return user;
}

export async function listTokens(ctx: HubContext, actor: Principal, userId: string) {
  adminOnly(actor);
  return tokensOf(ctx, userId);
}

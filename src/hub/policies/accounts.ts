/**
 * Who may manage accounts and credentials. `null` is the operator at the server's command line,
 * who may do what an administrator may.
 */
import type { Principal } from "../principal.js";

type Actor = Principal | null;

const isAdmin = (a: Actor) => a === null || a.role === "admin";

/** Create, list, disable and enable users. */
export const canManageUsers = (a: Actor): boolean => isAdmin(a);

/** A password is reset by an administrator, or changed by its own user. */
export const canResetPassword = (a: Actor, userId: string): boolean =>
  isAdmin(a) || a?.userId === userId;

/**
 * A token is made by its own user for themselves, or by the operator at the server. Never by an
 * administrator for someone else: the token would act, and be audited, as that person.
 */
export const canCreateToken = (a: Actor, forUsername: string): boolean =>
  a === null || a.username === forUsername;

/** A token is revoked by an administrator, or by its owner. */
export const canRevokeToken = (a: Actor, ownerUsername: string): boolean =>
  isAdmin(a) || a?.username === ownerUsername;

/** Administrators cannot lock themselves out. */
export const canDisable = (a: Actor, userId: string): boolean =>
  canManageUsers(a) && a?.userId !== userId;

/** Who approved a new account, as its audit entry says. */
export type Approver = "organisation user" | "second administrator" | "notice address";

/**
 * A new school or LA account waits for its own organisation: any active user of that school (or
 * of that LA, for an LA account) decides; only while it has none, an administrator other than
 * the one who made it.
 */
export function canDecideApproval(
  a: Principal,
  account: {
    role: "school" | "la";
    establishment: string | null;
    la_code: string | null;
    requestedBy: string;
    hasUsers: boolean;
  },
): Approver | false {
  if (account.role === "school" && a.role === "school" && a.establishment === account.establishment)
    return "organisation user";
  if (account.role === "la" && a.role === "la" && a.laCode === account.la_code)
    return "organisation user";
  if (a.role === "admin" && !account.hasUsers && a.userId !== account.requestedBy)
    return "second administrator";
  return false;
}

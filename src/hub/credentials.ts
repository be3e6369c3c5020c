/**
 * What sessions and API tokens share: whom a credential belongs to, and the per-process cache
 * of it. Their secrets are stored only hashed (platform/accounts/secrets.ts).
 */
import type { CachedPrincipal } from "./caches.js";
import type { HubContext } from "./context.js";
import type { Principal } from "./principal.js";
import type { Role } from "./schema.js";

export { newSecret, sha256 } from "../platform/accounts/secrets.js";

export const principalColumns = [
  "users.id",
  "users.username",
  "users.role",
  "users.establishment",
  "users.la_code",
  "users.must_change_password",
] as const;

export type UserRow = {
  id: string;
  username: string;
  role: Role;
  establishment: string | null;
  la_code: string | null;
  must_change_password?: boolean;
};

export function principalOf(u: UserRow, ip?: string): Principal {
  const p: Principal = {
    userId: u.id,
    username: u.username,
    role: u.role,
    establishment: u.establishment,
    laCode: u.la_code,
  };
  if (u.must_change_password) p.mustChangePassword = true;
  if (ip !== undefined) p.ip = ip;
  return p;
}

export function cached(
  ctx: HubContext,
  hash: string,
  load: (hash: string) => Promise<CachedPrincipal | undefined>,
): Promise<CachedPrincipal | undefined> {
  return ctx.caches ? ctx.caches.principals.get(hash, () => load(hash)) : load(hash);
}

export function withIp(c: CachedPrincipal, ip: string | undefined): Principal {
  const { expiresAt: _e, tokenId: _t, lastUsedAt: _l, ...p } = c;
  return ip === undefined ? p : { ...p, ip };
}

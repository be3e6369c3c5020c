/** Who is asking, as every policy and the audit log see it. Imports nothing of the hub. */
import type { Role } from "./schema.js";

/** A signed-in user or an API token's owner. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  establishment: string | null;
  laCode: string | null;
  /** Signed in with a password the operator set: nothing else until the user chooses their own. */
  mustChangePassword?: true;
  ip?: string;
}

/** The organisation a principal acts for, as the audit log records it. */
export function organisationOf(p: Principal): string {
  if (p.role === "school") return p.establishment ?? "";
  if (p.role === "la") return `LA ${p.laCode ?? ""}`;
  return "admin";
}

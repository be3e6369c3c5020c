/** The hub's service navigation: what each role can do. */

import type { NavItem } from "../../../platform/web/views.js";
import type { Principal } from "../../principal.js";

export function hubNavigation(principal: unknown): NavItem[] {
  const p = principal as Principal | undefined;
  // Nothing to go to until a user signed in with the operator's password chooses their own.
  if (!p || p.mustChangePassword) return [];
  const items: [string, string][] = [["/", "Home"]];
  if (p.role !== "admin")
    items.push(["/send", "Send files"], ["/received", "Received files"], ["/sent", "Sent files"]);
  if (p.role === "school") items.push(["/school", "School details"]);
  if (p.role === "la")
    items.push(["/to-schools", "To your schools"], ["/lost-pupils", "Lost pupils"]);
  if (p.role === "admin")
    items.push(
      ["/admin/establishments", "Establishments"],
      ["/admin/users", "Users"],
      ["/admin/audit", "Audit log"],
      ["/admin/outbox", "Mail"],
    );
  items.push(["/account", "Your account"], ["/help", "Help"]);
  return items.map(([href, text]) => ({ href, text }));
}

/**
 * The Lost Pupils and out-of-sector registers: local authorities search them for a child who
 * has turned up in their area; an administrator only with a stated reason, which is audited.
 */
import type { Principal } from "../principal.js";

export type RegisterSearch = "allowed" | "needs-reason" | "forbidden";

export function registerSearch(p: Principal, reason: string | undefined): RegisterSearch {
  if (p.role === "la") return "allowed";
  if (p.role === "admin") return (reason ?? "").trim().length >= 10 ? "allowed" : "needs-reason";
  return "forbidden";
}

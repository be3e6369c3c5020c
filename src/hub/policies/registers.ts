/**
 * The Lost Pupils and out-of-sector registers: only local authorities search them, for a child
 * who has turned up in their area. Administrators run the service but never search pupil data.
 */
import type { Principal } from "../principal.js";

export function canSearchRegisters(p: Principal): boolean {
  return p.role === "la";
}

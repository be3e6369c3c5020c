/** `audit verify` for every app: seal what is new, check the whole chain, say so in words. */
import type { Kysely } from "kysely";
import {
  type AuditEventsTable,
  type AuditVerdict,
  sealAudit,
  verifyAudit,
} from "../platform/audit/chain.js";

export const AUDIT_VERIFY_HELP =
  "seal new entries into the audit log's hash chain, then check the whole chain; exit 0 " +
  "intact, 1 broken (naming the first entry that does not hold)";

export async function sealAndVerify<S extends { audit_events: AuditEventsTable }>(
  db: Kysely<S>,
  lockKey: number,
): Promise<AuditVerdict & { sealed: number }> {
  const sealed = await sealAudit(db, lockKey);
  return { sealed, ...(await verifyAudit(db)) };
}

/** The verdict as the operator reads it; `ok` is false when the chain is broken. */
export function verdictInWords(verdict: AuditVerdict & { sealed: number }): {
  ok: boolean;
  text: string;
} {
  if (verdict.intact)
    return {
      ok: true,
      text: `audit log intact: ${verdict.entries} entries in the chain (${verdict.sealed} sealed just now)\n`,
    };
  const { seq, id, why } = verdict.broken;
  return {
    ok: false,
    text:
      `audit log BROKEN at entry ${seq} of the chain${id === null ? "" : ` (id ${id})`}: ${why}. ` +
      (verdict.entries === 1
        ? "The entry before it holds.\n"
        : `The ${verdict.entries} entries before it hold.\n`),
  };
}

/** The append-only audit trail: who did what, when, from where. Nothing here updates or deletes. */

import { forbidden } from "../platform/errors.js";
import { canReadAudit } from "./policies/service.js";
import { organisationOf, type Principal } from "./principal.js";
import type { Db, Tx } from "./schema.js";

export type AuditAction =
  | "sign-in"
  | "sign-in.failed"
  | "sign-out"
  | "upload"
  | "transfers.search"
  | "transfer.checked"
  | "transfer.check-gave-up"
  | "pupils.view"
  | "accept"
  | "correction.resolve"
  | "mail.read"
  | "notices.register"
  | "notices.downloaded"
  | "register.access-told"
  | "download"
  | "preview"
  | "reject"
  | "remove"
  | "redirect"
  | "matches.read"
  | "match.dismiss"
  | "match.confirm"
  | "search"
  | "expire"
  | "purge"
  | "user.create"
  | "user.approve"
  | "user.decline"
  | "user.disable"
  | "user.password-reset"
  | "user.password-change"
  | "password-change.failed"
  | "second-factor.set-up"
  | "second-factor.recovery-codes"
  | "second-factor.recovery-code-used"
  | "school.second-factor"
  | "token.create"
  | "token.revoke"
  | "user.token-life"
  | "establishments.import"
  | "establishment.update"
  | "correction.report"
  | "audit.read"
  | "transfer.view"
  | "search.limit-reached"
  | "establishment.email-requested"
  | "establishment.email-confirmed"
  | "sign-in-link.issue"
  | "sign-in-link.use"
  | "account.created-notice"
  | "keys.rotate";

export interface AuditEntry {
  action: AuditAction;
  target?: string;
  detail?: Record<string, unknown>;
  /** For events with no signed-in principal (a failed sign-in, a job). */
  username?: string;
  ip?: string;
}

export async function audit(db: Db | Tx, who: Principal | null, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_events")
    .values({
      user_id: who?.userId ?? null,
      username: who?.username ?? entry.username ?? null,
      organisation: who ? organisationOf(who) : null,
      action: entry.action,
      target: entry.target ?? null,
      ip: who?.ip ?? entry.ip ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}

export interface AuditQuery {
  username?: string;
  organisation?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** Only this user's events, by id. */
  userId?: string;
  limit?: number;
  /** Events to skip, in the order asked for: for a page after the first. */
  offset?: number;
  /** Newest first unless "oldest". */
  order?: "newest" | "oldest";
}

/**
 * The audit log, for those whose job it is to read it. Reading it is audited in turn. What an LA
 * searched the registers for (names, dates of birth, UPNs) is pupil data: the log keeps each value
 * only as a keyed digest (lost-pupils.ts), and readers see which criteria were given.
 */
export async function readAudit(db: Db, actor: Principal | null, q: AuditQuery) {
  if (!canReadAudit(actor)) throw forbidden();
  await audit(db, actor, {
    action: "audit.read",
    detail: {
      filter: Object.keys(q).filter((k) => q[k as keyof AuditQuery] !== undefined && k !== "order"),
    },
  });
  let query = db
    .selectFrom("audit_events")
    .selectAll()
    .orderBy("id", q.order === "oldest" ? "asc" : "desc")
    .limit(Math.min(q.limit ?? 100, 1000))
    .offset(Math.max(0, Math.min(q.offset ?? 0, 100_000)));
  if (q.userId) query = query.where("user_id", "=", q.userId);
  if (q.username) query = query.where("username", "=", q.username);
  if (q.organisation) query = query.where("organisation", "=", q.organisation);
  if (q.action) query = query.where("action", "=", q.action);
  if (q.from) query = query.where("at", ">=", q.from);
  if (q.to) query = query.where("at", "<", q.to);
  return (await query.execute()).map(masked);
}

/** An entry with any search criteria's values replaced by "(given)". */
function masked<T extends { detail: unknown }>(row: T): T {
  const detail = row.detail as { criteria?: Record<string, unknown> } | null;
  if (!detail?.criteria) return row;
  const criteria = Object.fromEntries(
    Object.entries(detail.criteria)
      .filter(([, v]) => v !== undefined && v !== null && v !== "")
      .map(([k]) => [k, "(given)"]),
  );
  return { ...row, detail: { ...detail, criteria } };
}

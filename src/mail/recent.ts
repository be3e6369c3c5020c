/**
 * Recent mail as administrators see it: to whom, what subject (never personal data, by design
 * of the messages), and whether it went. The body stays out: it can name a file or a reason.
 */
import type { Db } from "../db/hub-schema.js";
import { forbidden } from "../errors.js";
import { canReadMail } from "../hub/policies/service.js";
import type { Principal } from "../hub/principal.js";

export async function recentMail(db: Db, actor: Principal | null, limit = 100) {
  if (!canReadMail(actor)) throw forbidden();
  const rows = await db
    .selectFrom("mail_outbox")
    .select(["id", "recipients", "subject", "created_at", "attempts", "sent_at", "last_error"])
    .orderBy("created_at", "desc")
    .limit(Math.min(limit, 500))
    .execute();
  return rows.map((m) => ({
    id: m.id,
    to: m.recipients,
    subject: m.subject,
    createdAt: m.created_at.toISOString(),
    attempts: m.attempts,
    sentAt: m.sent_at?.toISOString() ?? null,
    lastError: m.last_error,
  }));
}

/**
 * Recent mail as administrators see it: to whom, what subject (never personal data, by design
 * of the messages), and whether it went, and why not. One message can be opened (audited): its
 * body carries no pupil's data by design, and the secret in a sign-in or confirmation link is
 * hidden, since only its recipient may use it.
 */

import { forbidden, notFound, requireId } from "../platform/errors.js";
import { audit } from "./audit.js";
import { canReadMail } from "./policies/service.js";
import type { Principal } from "./principal.js";
import type { Db } from "./schema.js";

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

const SECRET_LINK = /\/(sign-in\/link|confirm-email)\/[A-Za-z0-9_-]+/g;

export async function mailMessage(db: Db, actor: Principal, id: string) {
  if (!canReadMail(actor)) throw forbidden();
  const m = await db
    .selectFrom("mail_outbox")
    .leftJoin("transfers as t", "t.id", "mail_outbox.transfer_id")
    .select([
      "mail_outbox.id",
      "recipients",
      "subject",
      "body",
      "mail_outbox.created_at",
      "attempts",
      "next_attempt_at",
      "sent_at",
      "last_error",
      "t.file_name",
    ])
    .where("mail_outbox.id", "=", requireId(id))
    .executeTakeFirst();
  if (!m) throw notFound();
  await audit(db, actor, { action: "mail.read", target: `mail:${m.id}` });
  return {
    id: m.id,
    to: m.recipients,
    subject: m.subject,
    body: m.body.replace(SECRET_LINK, "/$1/[hidden: only its recipient may use it]"),
    aboutFile: m.file_name,
    createdAt: m.created_at.toISOString(),
    attempts: m.attempts,
    nextAttemptAt: m.sent_at ? null : m.next_attempt_at.toISOString(),
    sentAt: m.sent_at?.toISOString() ?? null,
    lastError: m.last_error,
  };
}

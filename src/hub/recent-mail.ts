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

export interface MailQuery {
  /** Sent; waiting for its first try; or failing (tried, not taken yet). */
  state?: "sent" | "waiting" | "failing";
  sort?: "newest" | "oldest";
  page?: number;
  pageSize?: number;
}

/** A page of the mail matching `q`, and how many match in all: paged by the database. */
export async function recentMail(db: Db, actor: Principal | null, q: MailQuery = {}) {
  if (!canReadMail(actor)) throw forbidden();
  let query = db.selectFrom("mail_outbox");
  if (q.state === "sent") query = query.where("sent_at", "is not", null);
  if (q.state === "waiting") query = query.where("sent_at", "is", null).where("attempts", "=", 0);
  if (q.state === "failing") query = query.where("sent_at", "is", null).where("attempts", ">", 0);
  const { n } = await query
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const pageSize = Math.min(Math.max(1, q.pageSize ?? 100), 500);
  const page = Math.max(1, q.page ?? 1);
  const direction = q.sort === "oldest" ? "asc" : "desc";
  const rows = await query
    .select(["id", "recipients", "subject", "created_at", "attempts", "sent_at", "last_error"])
    .orderBy("created_at", direction)
    .orderBy("id", direction)
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .execute();
  const mail = rows.map((m) => ({
    id: m.id,
    to: m.recipients,
    subject: m.subject,
    createdAt: m.created_at.toISOString(),
    attempts: m.attempts,
    sentAt: m.sent_at?.toISOString() ?? null,
    lastError: m.last_error,
  }));
  return { mail, total: Number(n) };
}

const SECRET_LINK = /\/(sign-in\/link|confirm-email|approve-account)\/[A-Za-z0-9_-]+/g;

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

/**
 * Mail is written to the outbox table in the same transaction as the change it reports, then
 * delivered by `deliverDueMail`, retried with back-off until the server takes it.
 */
import { type Generated, type Kysely, sql, type Transaction } from "kysely";
import type { NullableTimestamp, Timestamp } from "../db/columns.js";
import type { MailTransport } from "./transport.js";

/** An app that sends mail has this table (its migrations make it). */
export interface MailOutboxTable {
  id: Generated<string>;
  recipients: string[];
  subject: string;
  body: string;
  created_at: Timestamp;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  sent_at: NullableTimestamp;
  last_error: string | null;
  /** Set when a send begins, cleared when it ends either way: still set = outcome unknown. */
  sending_since: NullableTimestamp;
  /** What the message is about (the hub: a file); its body is emptied once that is forgotten. */
  transfer_id: string | null;
  /** Set when what it is about was forgotten before it went: sending it empties its body. */
  forget_when_sent: Generated<boolean>;
}

type HasOutbox = { mail_outbox: MailOutboxTable };
type Db = Kysely<HasOutbox>;
// Kysely's types are invariant in the schema: each caller's database is narrowed to this table.
const narrow = <S extends HasOutbox>(db: Kysely<S> | Transaction<S>) => db as unknown as Db;

export interface Message {
  to: string[];
  subject: string;
  body: string;
}

/** What a sent message about a file says once the file has gone: nothing from the file. */
export const BODY_REMOVED =
  "The text of this message was deleted when the file it was about was removed from S2S.";

/**
 * Queues a message. `aboutTransfer` names the file a message quotes (check results, a reason):
 * when the file is removed or purged, the message's body is deleted too, once it has been sent.
 */
export async function enqueueMail<S extends HasOutbox>(
  db: Kysely<S> | Transaction<S>,
  message: Message,
  now: Date,
  aboutTransfer?: string,
): Promise<void> {
  const to = [...new Set(message.to.map((t) => t.trim()).filter((t) => t !== ""))];
  if (to.length === 0) return;
  await narrow(db)
    .insertInto("mail_outbox")
    .values({
      recipients: to,
      subject: message.subject,
      body: message.body,
      created_at: now,
      next_attempt_at: now,
      transfer_id: aboutTransfer ?? null,
    })
    .execute();
}

/** Empties what was sent about these files; what is still to send goes first, then empties. */
export async function forgetMailAbout<S extends HasOutbox>(
  trx: Transaction<S>,
  transferIds: string[],
): Promise<void> {
  if (transferIds.length === 0) return;
  const db = narrow(trx);
  await db
    .updateTable("mail_outbox")
    .set({ body: BODY_REMOVED })
    .where("transfer_id", "in", transferIds)
    .where("sent_at", "is not", null)
    .execute();
  await db
    .updateTable("mail_outbox")
    .set({ forget_when_sent: true })
    .where("transfer_id", "in", transferIds)
    .where("sent_at", "is", null)
    .execute();
}

/** Seconds to wait after the nth failure: 30 s doubling to an hour. */
export function backoffSeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

export interface DeliveryDeps<S extends HasOutbox = HasOutbox> {
  db: Kysely<S>;
  transport: MailTransport;
  from: string;
  now: () => Date;
}

/**
 * How long a claimed message is hidden from other workers while it is being sent. The SMTP
 * transport gives up well within it (transport.ts), and each message is claimed just before it
 * is sent, so no lease lapses while its message is still being handed over.
 */
export const LEASE_MS = 5 * 60 * 1000;

/**
 * Sends what is due, a message at a time. Each is claimed in one statement (a lease hides it
 * from other workers, and `sending_since` records that a send began) just before it is sent,
 * outside any transaction, so a slow mail server never holds the database, and messages waiting
 * behind a slow one are not held by a lease that could lapse first and send them twice. A worker
 * that dies mid-send lets the lease lapse and the message goes again, never lost; as every
 * attempt carries the message's own Message-ID, the receiving system recognises a repeat of one
 * the dead worker did hand over.
 */
export async function deliverDueMail<S extends HasOutbox>(
  deps: DeliveryDeps<S>,
  limit = 100,
): Promise<{ sent: number; failed: number }> {
  const db = narrow(deps.db);
  let sent = 0;
  let failed = 0;
  for (let i = 0; i < limit; i++) {
    const now = deps.now();
    const due = await db
      .updateTable("mail_outbox")
      .set({ next_attempt_at: new Date(now.getTime() + LEASE_MS), sending_since: now })
      .where("id", "=", (eb) =>
        eb
          .selectFrom("mail_outbox")
          .select("id")
          .where("sent_at", "is", null)
          .where("next_attempt_at", "<=", now)
          .orderBy("next_attempt_at")
          .limit(1)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .executeTakeFirst();
    if (!due) break;
    try {
      await deps.transport.send({
        from: deps.from,
        to: due.recipients,
        subject: due.subject,
        text: due.body,
        messageId: messageIdOf(due.id, deps.from),
      });
      await db
        .updateTable("mail_outbox")
        .set({
          sent_at: deps.now(),
          attempts: sql`attempts + 1`,
          last_error: null,
          sending_since: null,
          // What it was about forgotten while it waited to go: now it has gone, it keeps nothing.
          body: sql`case when forget_when_sent then ${BODY_REMOVED} else body end`,
        })
        .where("id", "=", due.id)
        .execute();
      sent++;
    } catch (e) {
      const attempts = due.attempts + 1;
      await db
        .updateTable("mail_outbox")
        .set({
          attempts,
          last_error: String((e as Error).message).slice(0, 500),
          sending_since: null,
          next_attempt_at: new Date(deps.now().getTime() + backoffSeconds(attempts) * 1000),
        })
        .where("id", "=", due.id)
        .execute();
      failed++;
    }
  }
  return { sent, failed };
}

/** `<outbox id@sender's domain>`: stable across attempts, and naming nobody. */
export function messageIdOf(id: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "s2s.invalid";
  return `<${id}@${domain}>`;
}

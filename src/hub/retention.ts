/**
 * Deletion on a schedule. An undownloaded file expires after the configured period (its sender
 * warned beforehand and told at expiry); a downloaded or rejected one is deleted sooner.
 * Deleting removes the bytes and the pupil index; the row and the audit trail stay.
 *
 * Any number of workers may run this at once: each step locks a batch of due rows with
 * FOR UPDATE SKIP LOCKED (rows another worker holds are skipped; rows it has changed no longer
 * match once it commits), and the change, the mail and the audit entry commit together. So no file is warned about, expired or
 * purged twice, whoever runs it.
 */

import { forgetOldAttempts } from "../platform/accounts/sign-in-attempts.js";
import { sealAudit } from "../platform/audit/chain.js";
import { inTransaction } from "../platform/change.js";
import { LOCK_KEYS } from "../platform/db/lock-keys.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext } from "./context.js";
import { deleteInFlight } from "./files-in-flight.js";
import { expiredMessage, expiryWarningMessage } from "./messages.js";
import type { Tx } from "./schema.js";
import { purge } from "./transfer-actions.js";

export interface RetentionReport {
  warned: number;
  expired: number;
  purged: number;
  orphans: number;
  /** Half-written files a crashed upload left, swept while the service runs. */
  temporary: number;
}

/** Rows claimed by one transaction; the rest wait for the next batch. */
const BATCH = 200;

export async function runRetention(ctx: HubContext): Promise<RetentionReport> {
  const now = ctx.clock();
  const report: RetentionReport = { warned: 0, expired: 0, purged: 0, orphans: 0, temporary: 0 };
  for (let n = -1; n !== 0; report.warned += n) n = await warnBatch(ctx, now);
  for (let n = -1; n !== 0; report.expired += n) n = await expireBatch(ctx, now);
  for (let n = -1; n !== 0; report.purged += n) n = await purgeBatch(ctx, now);
  report.orphans = await sweepOrphans(ctx, now);
  // An upload in flight writes its file as it arrives, so one untouched for an hour is dead.
  report.temporary = await ctx.store.sweepTemporary(new Date(now.getTime() - 3600_000));
  // Answers kept for Idempotency-Key retries: a day is far longer than any client retries.
  await ctx.db
    .deleteFrom("idempotency_keys")
    .where("created_at", "<", new Date(now.getTime() - 86_400_000))
    .execute();
  await forgetOldAttempts(ctx.db, now);
  // Last, so that this tick's own entries are sealed too.
  await sealAudit(ctx.db, LOCK_KEYS.auditSeal);
  await ctx.db
    .deleteFrom("sign_in_links")
    .where("expires_at", "<", new Date(now.getTime() - 86_400_000))
    .execute();
  return report;
}

async function warnBatch(ctx: HubContext, now: Date): Promise<number> {
  const warnBy = new Date(now.getTime() + ctx.config.retention.warnDaysBefore * 86_400_000);
  return inTransaction(ctx, async ({ trx, mailQueued }) => {
    const due = await trx
      .selectFrom("transfers")
      .select(["id", "file_name", "expires_at", "sender_user_id"])
      .where("status", "=", "available")
      .where("expiry_warned_at", "is", null)
      .where("expires_at", "<=", warnBy)
      .where("expires_at", ">", now)
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return 0;
    await trx
      .updateTable("transfers")
      .set({ expiry_warned_at: now })
      .where(
        "id",
        "in",
        due.map((t) => t.id),
      )
      .execute();
    const emails = await senderEmails(trx, due);
    for (const t of due) {
      const to = emails.get(t.sender_user_id);
      if (!to) continue;
      await enqueueMail(
        trx,
        expiryWarningMessage(
          [to],
          { id: t.id, name: t.file_name, deletedOn: t.expires_at },
          ctx.config.publicUrl,
        ),
        now,
      );
      mailQueued();
    }
    return due.length;
  });
}

async function expireBatch(ctx: HubContext, now: Date): Promise<number> {
  const keys: string[] = [];
  const n = await inTransaction(ctx, async ({ trx, mailQueued, notice }) => {
    const due = await trx
      .selectFrom("transfers")
      .select(["id", "file_name", "sender_user_id", "dest_laestab", "store_key"])
      .where("status", "=", "available")
      .where("expires_at", "<=", now)
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return 0;
    const ids = due.map((t) => t.id);
    await trx.updateTable("transfers").set({ status: "expired" }).where("id", "in", ids).execute();
    await purge(ctx, trx, ids);
    const emails = await senderEmails(trx, due);
    for (const t of due) {
      if (t.store_key) keys.push(t.store_key);
      const to = emails.get(t.sender_user_id);
      if (to) {
        await enqueueMail(
          trx,
          expiredMessage(
            [to],
            { id: t.id, name: t.file_name, deletedOn: now },
            ctx.config.publicUrl,
          ),
          now,
          t.id,
        );
        mailQueued();
      }
      await audit(trx, null, { action: "expire", target: `transfer:${t.id}` });
      notice(`inbox:${t.dest_laestab}`);
    }
    return due.length;
  });
  await deleteInFlight(ctx, keys);
  return n;
}

async function purgeBatch(ctx: HubContext, now: Date): Promise<number> {
  const keys: string[] = [];
  const doneBefore = new Date(now.getTime() - ctx.config.retention.afterDoneDays * 86_400_000);
  const n = await inTransaction(ctx, async ({ trx }) => {
    const due = await trx
      .selectFrom("transfers")
      .select(["id", "store_key"])
      .where("status", "in", ["downloaded", "rejected", "failed"])
      .where("purged_at", "is", null)
      .where((eb) =>
        eb.or([
          eb("expires_at", "<=", now),
          // Failed files have no expiry of their own; they go after the shorter period.
          eb.and([eb("expires_at", "is", null), eb("checked_at", "<=", doneBefore)]),
        ]),
      )
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return 0;
    await purge(
      ctx,
      trx,
      due.map((t) => t.id),
    );
    for (const t of due) {
      if (t.store_key) keys.push(t.store_key);
      await audit(trx, null, { action: "purge", target: `transfer:${t.id}` });
    }
    return due.length;
  });
  await deleteInFlight(ctx, keys);
  return n;
}

async function senderEmails(
  trx: Tx,
  rows: { sender_user_id: string }[],
): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const users = await trx
    .selectFrom("users")
    .select(["id", "email"])
    .where(
      "id",
      "in",
      rows.map((r) => r.sender_user_id),
    )
    .execute();
  return new Map(users.map((u) => [u.id, u.email]));
}

/**
 * Deletes stored files that no transfer refers to: written by an upload whose process died
 * before its row committed, or let go by a change whose delete failed. Only files on the list
 * for a day are considered, so an upload still in flight is never touched. Deleting twice is
 * harmless, so workers need not agree on this.
 */
export async function sweepOrphans(ctx: HubContext, now: Date): Promise<number> {
  let removed = 0;
  for (;;) {
    const batch = await ctx.db
      .selectFrom("files_in_flight")
      .select("store_key")
      .where("since", "<", new Date(now.getTime() - 86_400_000))
      .orderBy("since")
      .limit(500)
      .execute();
    if (batch.length === 0) return removed;
    const keys = batch.map((b) => b.store_key);
    const known = await ctx.db
      .selectFrom("transfers")
      .select("store_key")
      .where("store_key", "in", keys)
      .execute();
    const keep = new Set(known.map((k) => k.store_key));
    const orphans = keys.filter((k) => !keep.has(k));
    // A file a row refers to after all is not the sweep's: it only leaves the list.
    if (keep.size > 0)
      await ctx.db
        .deleteFrom("files_in_flight")
        .where(
          "store_key",
          "in",
          [...keep].filter((k): k is string => k !== null),
        )
        .execute();
    const left = await deleteInFlight(ctx, orphans);
    removed += orphans.length - left;
    // What the store would not delete stays on the list for the next sweep.
    if (left === orphans.length && keep.size === 0) return removed;
  }
}

/**
 * Deletion on a schedule. An undownloaded file expires after the configured period (its sender
 * warned beforehand and told at expiry); a downloaded or rejected one is deleted sooner.
 * Deleting removes the bytes and the pupil index; the row and the audit trail stay.
 */
import { expiredMessage, expiryWarningMessage } from "../mail/messages.js";
import { enqueueMail } from "../mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext } from "./context.js";
import { purge } from "./transfers.js";

export interface RetentionReport {
  warned: number;
  expired: number;
  purged: number;
  orphans: number;
}

export async function runRetention(ctx: HubContext): Promise<RetentionReport> {
  const now = ctx.clock();
  const report: RetentionReport = { warned: 0, expired: 0, purged: 0, orphans: 0 };
  const warnBy = new Date(now.getTime() + ctx.config.retention.warnDaysBefore * 86_400_000);
  const toWarn = await ctx.db
    .selectFrom("transfers")
    .innerJoin("users", "users.id", "transfers.sender_user_id")
    .select(["transfers.id", "transfers.file_name", "transfers.expires_at", "users.email"])
    .where("transfers.status", "=", "available")
    .where("transfers.expiry_warned_at", "is", null)
    .where("transfers.expires_at", "<=", warnBy)
    .where("transfers.expires_at", ">", now)
    .execute();
  for (const t of toWarn) {
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("transfers")
        .set({ expiry_warned_at: now })
        .where("id", "=", t.id)
        .execute();
      await enqueueMail(
        trx,
        expiryWarningMessage([t.email], t.file_name, t.expires_at as Date, ctx.config.publicUrl),
        now,
      );
    });
    report.warned++;
  }
  const toExpire = await ctx.db
    .selectFrom("transfers")
    .innerJoin("users", "users.id", "transfers.sender_user_id")
    .select(["transfers.id", "transfers.file_name", "transfers.store_key", "users.email"])
    .where("transfers.status", "=", "available")
    .where("transfers.expires_at", "<=", now)
    .execute();
  for (const t of toExpire) {
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("transfers")
        .set({ status: "expired" })
        .where("id", "=", t.id)
        .execute();
      await purge(ctx, trx, t);
      await enqueueMail(trx, expiredMessage([t.email], t.file_name, ctx.config.publicUrl), now);
      await audit(trx, null, { action: "expire", target: `transfer:${t.id}` });
    });
    if (t.store_key) await ctx.store.delete(t.store_key);
    report.expired++;
  }
  const toPurge = await ctx.db
    .selectFrom("transfers")
    .select(["id", "store_key"])
    .where("status", "in", ["downloaded", "rejected", "failed"])
    .where("purged_at", "is", null)
    .where((eb) =>
      eb.or([
        eb("expires_at", "<=", now),
        // Failed files have no expiry of their own; they go after the shorter period.
        eb.and([
          eb("expires_at", "is", null),
          eb(
            "checked_at",
            "<=",
            new Date(now.getTime() - ctx.config.retention.afterDoneDays * 86_400_000),
          ),
        ]),
      ]),
    )
    .execute();
  for (const t of toPurge) {
    await ctx.db.transaction().execute(async (trx) => {
      await purge(ctx, trx, t);
      await audit(trx, null, { action: "purge", target: `transfer:${t.id}` });
    });
    if (t.store_key) await ctx.store.delete(t.store_key);
    report.purged++;
  }
  report.orphans = await sweepOrphans(ctx, now);
  if (report.warned + report.expired > 0) ctx.mailQueued?.();
  return report;
}

/**
 * Deletes stored files that no transfer refers to: left when a process died between storing
 * an upload and committing its row. Only files a day old are considered, so an upload still
 * in flight is never touched.
 */
export async function sweepOrphans(ctx: HubContext, now: Date): Promise<number> {
  const candidates = await ctx.store.list(new Date(now.getTime() - 86_400_000));
  let removed = 0;
  for (let i = 0; i < candidates.length; i += 500) {
    const batch = candidates.slice(i, i + 500);
    const known = await ctx.db
      .selectFrom("transfers")
      .select("store_key")
      .where("store_key", "in", batch)
      .execute();
    const keep = new Set(known.map((k) => k.store_key));
    for (const key of batch) {
      if (keep.has(key)) continue;
      await ctx.store.delete(key);
      removed++;
    }
  }
  return removed;
}

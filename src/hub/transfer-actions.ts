/**
 * What people do to a file: accept and download it, reject it, remove it. Every change of status
 * is conditional on the status the policy was asked about, so of two people acting on one file
 * at the same moment exactly one succeeds and the other is told what happened.
 */
import { Readable } from "node:stream";
import type { Updateable } from "kysely";
import { FINDING_CODES, type FindingCode } from "../ctf/findings.js";
import { type Change, inTransaction } from "../platform/change.js";
import { AppError, forbidden, invalid } from "../platform/errors.js";
import { enqueueMail, forgetMailAbout } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { notificationAddresses } from "./establishments.js";
import { deleteInFlight, listInFlight } from "./files-in-flight.js";
import { downloadedMessage, rejectedMessage, removedBeforeCollectedMessage } from "./messages.js";
import {
  canAccept,
  canDownload,
  canPreview,
  canReject,
  canRemove,
  inRegister,
  isReceiver,
  isSender,
  oversees,
} from "./policies/transfers.js";
import { refuseNamedPupils } from "./reason-names.js";
import type { DB, StoredFinding, TransferStatus, TransfersTable, Tx } from "./schema.js";
import { getTransfer, visible } from "./transfer-reads.js";
import { type TransferRow, viewWith } from "./transfer-view.js";

/**
 * Moves a transfer from the status `from` (the one its policy was asked about) to what `set`
 * says, or fails with `transfer.state` naming the status it has now: someone else changed it
 * between our reading it and this write.
 */
export async function transition(
  trx: Tx,
  id: string,
  from: TransferStatus,
  set: Updateable<TransfersTable>,
  what: string,
): Promise<void> {
  const changed = await trx
    .updateTable("transfers")
    .set(set)
    .where("id", "=", id)
    .where("status", "=", from)
    .returning("id")
    .executeTakeFirst();
  if (changed) return;
  const now = await trx
    .selectFrom("transfers")
    .select("status")
    .where("id", "=", id)
    .executeTakeFirst();
  throw new AppError(
    "transfer.state",
    `The file changed while you were looking at it: it is now ${now?.status ?? "gone"}, so you cannot ${what} it.`,
  );
}

/** The sender hears their file arrived, unless they turned it off on their account page. */
async function tellSenderOfDownload(
  ctx: HubContext,
  change: Change<DB>,
  row: TransferRow & { dest_name: string | null },
  now: Date,
) {
  const sender = await change.trx
    .selectFrom("users")
    .select("email")
    .where("id", "=", row.sender_user_id)
    .where("notify_downloaded", "=", true)
    .where("disabled", "=", false)
    .executeTakeFirst();
  if (!sender) return;
  const deletedOn = new Date(now.getTime() + ctx.config.retention.afterDoneDays * 86_400_000);
  await enqueueMail(
    change.trx,
    downloadedMessage(
      [sender.email],
      { id: row.id, name: row.file_name, deletedOn },
      { laestab: row.dest_laestab, name: row.dest_name ?? row.dest_laestab },
      ctx.config.publicUrl,
    ),
    now,
    row.id,
  );
  change.mailQueued();
}

export async function accept(ctx: HubContext, p: Principal, id: string) {
  const row = await visible(ctx, p, id);
  if (!canAccept(p, row)) throw transferStateError(p, row, "accept");
  if (inRegister(row)) {
    // Taking a register file does not close it: until its keeper removes it or an LA passes it
    // on to the child's new school, every LA can still find the child in it.
    await audit(ctx.db, p, { action: "accept", target: `transfer:${row.id}` });
  } else if (row.status !== "downloaded") {
    const now = ctx.clock();
    await inTransaction(ctx, async (change) => {
      await transition(
        change.trx,
        row.id,
        row.status,
        {
          status: "downloaded",
          downloaded_at: now,
          downloaded_by: p.userId,
          expires_at: new Date(now.getTime() + ctx.config.retention.afterDoneDays * 86_400_000),
        },
        "accept",
      );
      await audit(change.trx, p, { action: "accept", target: `transfer:${row.id}` });
      await tellSenderOfDownload(ctx, change, row, now);
      changedInbox(change, row);
    });
  }
  return getTransfer(ctx, p, id);
}

/**
 * The file's bytes for its receiver, once accepted, as a stream decrypted as it is sent; every
 * download is audited (before the first byte leaves). A preview (the receiving school's import,
 * matching before it accepts) is audited as such and leaves the file waiting.
 */
export async function content(
  ctx: HubContext,
  p: Principal,
  id: string,
  mode: "download" | "preview" = "download",
) {
  const row = await visible(ctx, p, id);
  const allowed = mode === "preview" ? canPreview(p, row) : canDownload(p, row);
  if (!allowed) throw transferStateError(p, row, mode === "preview" ? "read" : "download");
  if (row.store_key === null) throw new AppError("transfer.state", "The file has been deleted.");
  const stream = await ctx.store.get(row.store_key);
  await audit(ctx.db, p, {
    action: mode,
    target: `transfer:${row.id}`,
    detail: { bytes: row.size_bytes },
  });
  return { fileName: row.file_name, sizeBytes: row.size_bytes, stream: Readable.from(stream) };
}

/**
 * Whether `p` may reject or remove the file, asked before its confirmation page: the refusal the
 * action itself would give, or the file as they see it (without its pupils: not a look at them).
 */
export async function checkAction(
  ctx: HubContext,
  p: Principal,
  id: string,
  what: "reject" | "remove",
) {
  return viewWith(await actionable(ctx, p, id, what), false);
}

/** The file, if `p` may reject or remove it now; else the refusal in words. */
async function actionable(ctx: HubContext, p: Principal, id: string, what: "reject" | "remove") {
  const row = await visible(ctx, p, id);
  if (!(what === "reject" ? canReject(p, row) : canRemove(p, row)))
    throw transferStateError(p, row, what);
  return row;
}

/** A reason the rejection would take: its length, and no pupil of the file named in it. */
export async function checkRejectReason(ctx: HubContext, id: string, reason: string) {
  const text = reason.trim();
  if (text.length < 3 || text.length > 1000)
    throw invalid("Give a reason of 3 to 1000 characters.", "reason");
  await refuseNamedPupils(ctx.db, id, text);
}

export async function reject(ctx: HubContext, p: Principal, id: string, reason: string) {
  const row = await actionable(ctx, p, id, "reject");
  await checkRejectReason(ctx, row.id, reason);
  const text = reason.trim();
  const now = ctx.clock();
  const rejectedUntil = new Date(now.getTime() + ctx.config.retention.afterDoneDays * 86_400_000);
  await inTransaction(ctx, async (change) => {
    const { trx } = change;
    await transition(
      trx,
      row.id,
      row.status,
      {
        status: "rejected",
        rejected_at: now,
        reject_reason: text,
        expires_at: rejectedUntil,
      },
      "reject",
    );
    const sender = await trx
      .selectFrom("users")
      .select("email")
      .where("id", "=", row.sender_user_id)
      .executeTakeFirst();
    if (sender) {
      // Only a file's receiver may reject it, so the rejecting school is the destination.
      const school = { laestab: row.dest_laestab, name: row.dest_name ?? row.dest_laestab };
      await enqueueMail(
        trx,
        rejectedMessage(
          [sender.email],
          { id: row.id, name: row.file_name, deletedOn: rejectedUntil },
          school,
          text,
          ctx.config.publicUrl,
        ),
        now,
        row.id,
      );
      change.mailQueued();
    }
    await audit(trx, p, { action: "reject", target: `transfer:${row.id}` });
    changedInbox(change, row);
  });
  return getTransfer(ctx, p, id);
}

/**
 * Removes every copy of transfers' pupil data: the pupil index, the stored bytes (the caller
 * deletes those once this commits), the check results' messages and pupils' UPNs (a message may
 * quote a value from the file; the code, line and position stay), the rejection's reason, and
 * the body of mail sent about the file (mail still to send empties once sent). The rows and
 * their audit trail stay.
 */
export async function purge(ctx: HubContext, trx: Tx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.deleteFrom("transfer_pupils").where("transfer_id", "in", ids).execute();
  await forgetMailAbout(trx, ids);
  const rows = await trx
    .selectFrom("transfers")
    .select(["id", "errors", "warnings", "reject_reason", "store_key"])
    .where("id", "in", ids)
    .execute();
  // Let go here: if deleting the bytes after this commits fails, the sweep still finds them.
  await listInFlight(
    trx,
    rows.flatMap((r) => (r.store_key ? [r.store_key] : [])),
    ctx.clock(),
  );
  for (const row of rows)
    await trx
      .updateTable("transfers")
      .set({
        store_key: null,
        purged_at: ctx.clock(),
        errors: JSON.stringify(row.errors.map(withoutPupilData)),
        warnings: JSON.stringify(row.warnings.map(withoutPupilData)),
        reject_reason: row.reject_reason === null ? null : REASON_REMOVED,
      })
      .where("id", "=", row.id)
      .execute();
}

const REASON_REMOVED = "(removed with the file)";

/** A finding as its catalogue describes it, with no value from the file and no UPN. */
function withoutPupilData(f: StoredFinding): StoredFinding {
  const summary = FINDING_CODES[f.code as FindingCode]?.[1] ?? f.code;
  return { ...f, message: summary, pupil: f.pupil ? { position: f.pupil.position } : null };
}

export async function remove(ctx: HubContext, p: Principal, id: string) {
  const row = await actionable(ctx, p, id, "remove");
  await inTransaction(ctx, async (change) => {
    await transition(
      change.trx,
      row.id,
      row.status,
      { status: "removed", removed_at: ctx.clock() },
      "remove",
    );
    await purge(ctx, change.trx, [row.id]);
    await audit(change.trx, p, { action: "remove", target: `transfer:${row.id}` });
    // The school it was waiting for was e-mailed so; now it is not waiting, they are told.
    if (row.status === "available" && isSender(p, row)) {
      const to = await notificationAddresses(change.trx, row.dest_laestab);
      if (to.length > 0) {
        const from = { laestab: row.source_laestab, name: row.source_name ?? row.source_laestab };
        const file = { id: row.id, name: row.file_name, deletedOn: null };
        const message = removedBeforeCollectedMessage(to, file, from, ctx.config.publicUrl);
        await enqueueMail(change.trx, message, ctx.clock(), row.id);
        change.mailQueued();
      }
    }
    changedInbox(change, row);
  });
  // Removed once this commits: a store that fails now leaves the bytes to the orphan sweep.
  if (row.store_key) await deleteInFlight(ctx, [row.store_key]);
}

function changedInbox(change: Change<DB>, row: TransferRow): void {
  change.notice(`inbox:${row.dest_laestab}`);
}

/** Where a file is, in the words the API's readers use. */
const STATE_IN_WORDS: Record<string, string> = {
  checking: "is still being checked",
  failed: "failed its check, so it was never delivered",
  available: "is waiting to be collected",
  lost: "is in the Lost Pupils database",
  outside: "is in the out-of-sector register",
  downloaded: "has been collected already",
  rejected: "was rejected by the school it was sent to",
  removed: "has been removed",
  expired: "has expired and its contents are deleted",
};

/** What a caller can do instead. */
const WHAT_NOW: Record<string, string> = {
  accept: "Only a file waiting for your school can be accepted.",
  download: "Accept it first (POST .../accept); a file can be downloaded once accepted.",
  read: "Only the school it was sent to can read it before accepting, while it waits.",
  reject: "Only a file still waiting to be collected can be rejected.",
  remove:
    "The sender can remove a file until it is collected; the receiver once it has been collected.",
};

function transferStateError(p: Principal, row: TransferRow, what: string): AppError {
  const involved = isSender(p, row) || isReceiver(p, row);
  if (!involved && oversees(p, row))
    return forbidden(
      "This file is your school's to act on. A local authority can see its schools' files but not accept, reject or remove them.",
    );
  if (!involved && inRegister(row))
    return forbidden(
      "Only the local authority of the school that sent this file can accept or remove it. If the child has joined a school in your area, pass the file on to that school.",
    );
  if (!involved) return forbidden();
  return new AppError(
    "transfer.state",
    `You cannot ${what} this file: it ${STATE_IN_WORDS[row.status] ?? `is ${row.status}`}. ${WHAT_NOW[what] ?? ""}`.trim(),
  );
}

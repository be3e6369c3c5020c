/**
 * A transfer is one uploaded CTF on its way from a sender to a destination: uploaded, checked,
 * then available to the destination until downloaded, rejected, removed or expired.
 */
import { createHash, randomUUID } from "node:crypto";
import { type Selectable, sql } from "kysely";
import { formatCtfFileName, parseCtfFileName } from "../ctf/filename.js";
import { findingJson } from "../ctf/findings.js";
import { parseCtf } from "../ctf/read.js";
import type { Tx } from "../db/database.js";
import type { StoredFinding, TransferPupilsTable, TransfersTable } from "../db/schema.js";
import { fileAwaitsMessage, rejectedMessage, uploadFailedMessage } from "../mail/messages.js";
import { enqueueMail } from "../mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { forbidden, HubError, invalid, notFound } from "./errors.js";
import { notificationAddresses } from "./establishments.js";
import {
  canAccept,
  canDownload,
  canReadPupils,
  canReject,
  canRemove,
  canSeeTransfer,
  canSendFrom,
  isReceiver,
  isSender,
} from "./policies.js";

type TransferRow = Selectable<TransfersTable>;

const MAX_STORED_FINDINGS = 500;

export interface UploadInput {
  fileName: string;
  bytes: Uint8Array;
}

export async function upload(ctx: HubContext, p: Principal, input: UploadInput) {
  const name = parseCtfFileName(input.fileName);
  if (!name.ok) throw new HubError("upload.name", `${name.reason}.`);
  if (input.bytes.length === 0) throw new HubError("upload.empty");
  if (input.bytes.length > ctx.config.maxUploadBytes) {
    throw new HubError(
      "upload.too-large",
      `The file is larger than ${Math.floor(ctx.config.maxUploadBytes / 1048576)} MB.`,
    );
  }
  if (!canSendFrom(p, name.name.source)) {
    throw forbidden(
      `The file name says it comes from ${name.name.source}; you can only send your own organisation's files.`,
    );
  }
  const key = randomUUID();
  const sha256 = createHash("sha256").update(input.bytes).digest("hex");
  await ctx.store.put(key, input.bytes);
  try {
    const row = await ctx.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto("transfers")
        .values({
          file_name: name.name.canonical,
          source_laestab: name.name.source,
          dest_laestab: name.name.destination,
          dest_kind: name.name.destinationKind,
          sequence: name.name.sequence,
          status: "checking",
          sender_user_id: p.userId,
          size_bytes: input.bytes.length,
          sha256,
          store_key: key,
          created_at: ctx.clock(),
        })
        .returning(["id", "status", "file_name"])
        .executeTakeFirstOrThrow();
      // The row and its checking job commit together or not at all.
      await ctx.jobs.checkUpload(trx, inserted.id);
      await audit(trx, p, {
        action: "upload",
        target: `transfer:${inserted.id}`,
        detail: { bytes: input.bytes.length },
      });
      return inserted;
    });
    ctx.jobs.wake();
    return { id: row.id, status: row.status, fileName: row.file_name };
  } catch (e) {
    await ctx.store.delete(key);
    throw e;
  }
}

function hubError(code: string, message: string): StoredFinding {
  return { code, message, line: null, column: null, pupil: null };
}

/** The destination as the check job's one query found it (joined to the transfer's row). */
interface Destination {
  dest_name: string | null;
  dest_found: string | null;
  dest_status: string | null;
  dest_independent: boolean | null;
}

async function destinationErrors(
  ctx: HubContext,
  row: TransferRow & Destination,
): Promise<StoredFinding[]> {
  if (row.dest_kind === "lost" || row.dest_kind === "outside") return [];
  if (row.dest_kind === "la") {
    const la = await ctx.db
      .selectFrom("local_authorities")
      .select("code")
      .where("code", "=", row.dest_laestab.slice(0, 3))
      .executeTakeFirst();
    return la
      ? []
      : [
          hubError(
            "destination.unknown",
            `There is no local authority ${row.dest_laestab.slice(0, 3)}.`,
          ),
        ];
  }
  const name = row.dest_name ?? row.dest_laestab;
  if (!row.dest_found)
    return [
      hubError(
        "destination.unknown",
        `The destination ${row.dest_laestab} is not a school in the directory.`,
      ),
    ];
  if (row.dest_independent) {
    return [
      hubError(
        "destination.independent",
        `${name} (${row.dest_laestab}) is an independent school; send its files to MMMMMMM (out of the maintained sector).`,
      ),
    ];
  }
  if (row.dest_status === "closed")
    return [hubError("destination.closed", `${name} (${row.dest_laestab}) is closed.`)];
  return [];
}

/** The checking job: read the stored file, record findings, index pupils, route, tell people. */
export async function checkUpload(ctx: HubContext, transferId: string): Promise<void> {
  // The sender's address, the schools' names and the destination's standing come with the row:
  // one round trip, not four.
  const row = await withNames(ctx)
    .leftJoin("users as sender", "sender.id", "transfers.sender_user_id")
    .select([
      "sender.email as sender_email",
      "dst.laestab as dest_found",
      "dst.status as dest_status",
      "dst.independent as dest_independent",
      "dst.email as dest_email",
    ])
    .where("transfers.id", "=", transferId)
    .executeTakeFirst();
  if (row?.status !== "checking" || row.store_key === null) return;
  const bytes = await ctx.store.get(row.store_key);
  const pupils: TransferPupilsTable[] = [];
  const report = await parseCtf(bytes, {
    fileName: row.file_name,
    now: ctx.clock(),
    onPupil(pupil, position) {
      const bd = pupil.basicDetails;
      pupils.push({
        transfer_id: row.id,
        position,
        upn: pupil.upn ?? null,
        former_upn: bd?.formerUpn ?? null,
        surname: pupil.surname ?? "",
        forename: pupil.forename ?? "",
        preferred_surname: bd?.preferredSurname ?? null,
        preferred_forename: bd?.preferredForename ?? null,
        former_surname: bd?.formerSurname ?? null,
        dob: pupil.dob && /^\d{4}-\d{2}-\d{2}$/.test(pupil.dob) ? pupil.dob : null,
        sex: pupil.sex ?? null,
        nc_year: bd?.ncYearActual ?? null,
      });
      return undefined;
    },
  });
  const errors = report.findings.filter((f) => f.severity === "error").map(findingJson);
  const warnings = report.findings.filter((f) => f.severity === "warning").map(findingJson);
  if (errors.length === 0) errors.push(...(await destinationErrors(ctx, row)));
  const failed = errors.length > 0;
  const now = ctx.clock();
  const status = failed
    ? "failed"
    : row.dest_kind === "lost"
      ? "lost"
      : row.dest_kind === "outside"
        ? "outside"
        : "available";
  const expires =
    status === "available"
      ? new Date(now.getTime() + ctx.config.retention.undownloadedDays * 86_400_000)
      : null;
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("transfers")
      .set({
        status,
        checked_at: now,
        expires_at: expires,
        ctf_version: report.header?.version ?? null,
        pupil_count: report.pupilCount,
        errors: JSON.stringify(errors.slice(0, MAX_STORED_FINDINGS)),
        warnings: JSON.stringify(warnings.slice(0, MAX_STORED_FINDINGS)),
      })
      .where("id", "=", row.id)
      .where("status", "=", "checking")
      .execute();
    if (!failed) {
      for (let i = 0; i < pupils.length; i += 500) {
        await trx
          .insertInto("transfer_pupils")
          .values(pupils.slice(i, i + 500))
          .execute();
      }
    }
    if (failed && row.sender_email) {
      await enqueueMail(
        trx,
        uploadFailedMessage([row.sender_email], row.file_name, errors, ctx.config.publicUrl),
        now,
      );
    } else if (status === "available") {
      await tellDestination(ctx, trx, row, row.source_name ?? undefined, report.pupilCount, now, {
        email: row.dest_email,
      });
    }
    await audit(trx, null, {
      action: "transfer.checked",
      target: `transfer:${row.id}`,
      // Which process checked it: with several workers, each upload is checked exactly once.
      detail: { status, errors: errors.length, warnings: warnings.length, worker: process.pid },
    });
  });
  ctx.mailQueued?.();
}

/** E-mails a file's destination that a file awaits it. */
export async function tellDestination(
  ctx: HubContext,
  trx: Tx,
  t: { dest_laestab: string; source_laestab: string },
  sourceName: string | undefined,
  pupilCount: number,
  now: Date,
  known?: { email: string | null },
): Promise<void> {
  // A school's own directory address, when the caller already has it, saves a lookup.
  const to = known?.email ? [known.email] : await notificationAddresses(trx, t.dest_laestab);
  const from = { laestab: t.source_laestab, name: sourceName ?? t.source_laestab };
  await enqueueMail(trx, fileAwaitsMessage(to, from, pupilCount, ctx.config.publicUrl), now);
}

/** Transfers with their schools' names, joined so that a list of 50 costs one query. */
function withNames(ctx: HubContext) {
  return ctx.db
    .selectFrom("transfers")
    .leftJoin("establishments as src", "src.laestab", "transfers.source_laestab")
    .leftJoin("establishments as dst", "dst.laestab", "transfers.dest_laestab")
    .selectAll("transfers")
    .select(["src.name as source_name", "dst.name as dest_name"]);
}

type NamedRow = TransferRow & { source_name: string | null; dest_name: string | null };

async function load(ctx: HubContext, id: string): Promise<NamedRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound();
  const row = await withNames(ctx).where("transfers.id", "=", id).executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

/** Loads a transfer the principal may see; one they may not see does not exist for them. */
export async function visible(ctx: HubContext, p: Principal, id: string): Promise<NamedRow> {
  const row = await load(ctx, id);
  if (!canSeeTransfer(p, row)) throw notFound();
  return row;
}

function viewOf(p: Principal, row: NamedRow) {
  return viewWith(row, canReadPupils(p, row));
}

function viewWith(row: NamedRow, mayReadPupils: boolean) {
  // Findings can quote pupil data; those who may not read pupils see codes and places only.
  const redact = (fs: StoredFinding[]) =>
    mayReadPupils ? fs : fs.map((f) => ({ ...f, message: "", pupil: null }));
  return {
    id: row.id,
    fileName: row.file_name,
    status: row.status,
    source: { laestab: row.source_laestab, name: row.source_name },
    destination: { laestab: row.dest_laestab, name: row.dest_name, kind: row.dest_kind },
    sequence: row.sequence,
    sizeBytes: row.size_bytes,
    ctfVersion: row.ctf_version,
    pupilCount: row.pupil_count,
    createdAt: row.created_at.toISOString(),
    checkedAt: row.checked_at?.toISOString() ?? null,
    downloadedAt: row.downloaded_at?.toISOString() ?? null,
    rejectedAt: row.rejected_at?.toISOString() ?? null,
    rejectReason: row.reject_reason,
    removedAt: row.removed_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    errors: redact(row.errors),
    warnings: redact(row.warnings),
  };
}

export async function getTransfer(ctx: HubContext, p: Principal, id: string) {
  return viewOf(p, await visible(ctx, p, id));
}

export type TransferView = ReturnType<typeof viewWith>;

/** An inbox row with its view for a receiver, made once and shared while the inbox is cached. */
export interface InboxEntry {
  row: NamedRow;
  view: TransferView;
}

export async function listInbox(ctx: HubContext, p: Principal) {
  let dest: string;
  if (p.role === "school" && p.establishment) dest = p.establishment;
  else if (p.role === "la" && p.laCode) dest = `${p.laCode}LLLL`;
  else return [];
  const load = async (): Promise<InboxEntry[]> => {
    const rows = await withNames(ctx)
      .where("transfers.status", "in", ["available", "downloaded"])
      .where("transfers.dest_laestab", "=", dest)
      .orderBy("transfers.created_at", "asc")
      .execute();
    return rows.map((row) => ({ row, view: viewWith(row, true) }));
  };
  const entries = (ctx.caches ? await ctx.caches.inboxes.get(dest, load) : await load()) ?? [];
  // Policies are asked on every request, cached or not.
  return entries
    .filter((e) => isReceiver(p, e.row))
    .map((e) => (canReadPupils(p, e.row) ? e.view : viewOf(p, e.row)));
}

export async function listSent(ctx: HubContext, p: Principal) {
  let q = withNames(ctx).orderBy("transfers.created_at", "desc").limit(500);
  if (p.role === "school" && p.establishment)
    q = q.where("transfers.source_laestab", "=", p.establishment);
  else if (p.role === "la" && p.laCode)
    q = q.where(sql`left(transfers.source_laestab, 3)`, "=", p.laCode);
  else return [];
  const rows = await q.execute();
  return rows.filter((r) => isSender(p, r)).map((r) => viewOf(p, r));
}

export async function listPupils(ctx: HubContext, p: Principal, id: string) {
  const row = await visible(ctx, p, id);
  if (!canReadPupils(p, row))
    throw forbidden("You may see this file's details but not the pupils in it.");
  const pupils = await ctx.db
    .selectFrom("transfer_pupils")
    .select(["position", "upn", "surname", "forename", "dob", "sex", "nc_year"])
    .where("transfer_id", "=", row.id)
    .orderBy("position")
    .execute();
  await audit(ctx.db, p, {
    action: "pupils.view",
    target: `transfer:${row.id}`,
    detail: { pupils: pupils.length },
  });
  return pupils.map((x) => ({
    position: x.position,
    upn: x.upn,
    surname: x.surname,
    forename: x.forename,
    dob: x.dob,
    sex: x.sex,
    ncYear: x.nc_year,
  }));
}

export async function accept(ctx: HubContext, p: Principal, id: string) {
  const row = await visible(ctx, p, id);
  if (!canAccept(p, row)) throw transferStateError(p, row, "accept");
  if (row.status !== "downloaded") {
    const now = ctx.clock();
    await ctx.db
      .updateTable("transfers")
      .set({
        status: "downloaded",
        downloaded_at: now,
        downloaded_by: p.userId,
        expires_at: new Date(now.getTime() + ctx.config.retention.afterDoneDays * 86_400_000),
      })
      .where("id", "=", row.id)
      .where("status", "=", row.status)
      .execute();
    changedInbox(ctx, row);
  }
  return getTransfer(ctx, p, id);
}

/** The file's bytes for its receiver, once accepted; every download is audited. */
export async function content(ctx: HubContext, p: Principal, id: string) {
  const row = await visible(ctx, p, id);
  if (!canDownload(p, row)) throw transferStateError(p, row, "download");
  if (row.store_key === null) throw new HubError("transfer.state", "The file has been deleted.");
  const bytes = await ctx.store.get(row.store_key);
  await audit(ctx.db, p, {
    action: "download",
    target: `transfer:${row.id}`,
    detail: { bytes: bytes.length },
  });
  return { fileName: row.file_name, bytes };
}

export async function reject(ctx: HubContext, p: Principal, id: string, reason: string) {
  const row = await visible(ctx, p, id);
  if (!canReject(p, row)) throw transferStateError(p, row, "reject");
  const text = reason.trim();
  if (text.length < 3 || text.length > 1000)
    throw invalid("Give a reason of 3 to 1000 characters.");
  const now = ctx.clock();
  const sender = await ctx.db
    .selectFrom("users")
    .select("email")
    .where("id", "=", row.sender_user_id)
    .executeTakeFirst();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("transfers")
      .set({
        status: "rejected",
        rejected_at: now,
        reject_reason: text,
        expires_at: new Date(now.getTime() + ctx.config.retention.afterDoneDays * 86_400_000),
      })
      .where("id", "=", row.id)
      .execute();
    if (sender) {
      // Only a file's receiver may reject it, so the rejecting school is the destination.
      const school = { laestab: row.dest_laestab, name: row.dest_name ?? row.dest_laestab };
      await enqueueMail(
        trx,
        rejectedMessage([sender.email], row.file_name, school, text, ctx.config.publicUrl),
        now,
      );
    }
    await audit(trx, p, { action: "reject", target: `transfer:${row.id}` });
  });
  changedInbox(ctx, row);
  ctx.mailQueued?.();
  return getTransfer(ctx, p, id);
}

/** Deletes a transfer's bytes and pupil index; the row and its audit trail stay. */
export async function purge(
  ctx: HubContext,
  trx: Tx,
  row: { id: string; store_key: string | null },
) {
  await trx.deleteFrom("transfer_pupils").where("transfer_id", "=", row.id).execute();
  await trx
    .updateTable("transfers")
    .set({ store_key: null, purged_at: ctx.clock() })
    .where("id", "=", row.id)
    .execute();
}

export async function remove(ctx: HubContext, p: Principal, id: string) {
  const row = await visible(ctx, p, id);
  if (!canRemove(p, row)) throw transferStateError(p, row, "remove");
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("transfers")
      .set({ status: "removed", removed_at: ctx.clock() })
      .where("id", "=", row.id)
      .execute();
    await purge(ctx, trx, row);
    await audit(trx, p, { action: "remove", target: `transfer:${row.id}` });
  });
  changedInbox(ctx, row);
  if (row.store_key) await ctx.store.delete(row.store_key);
}

/**
 * The database tells every process of the change when it commits; telling this process at once
 * as well means the user who made it sees it on their very next request.
 */
function changedInbox(ctx: HubContext, row: TransferRow): void {
  ctx.caches?.notice(`inbox:${row.dest_laestab}`);
}

function transferStateError(p: Principal, row: TransferRow, what: string): HubError {
  const involved = isSender(p, row) || isReceiver(p, row);
  if (!involved) return forbidden();
  return new HubError("transfer.state", `You cannot ${what} a file that is ${row.status}.`);
}

/** The next free sequence number for files from `source` to `destination`. */
export async function nextSequence(
  ctx: HubContext,
  p: Principal,
  source: string,
  destination: string,
) {
  if (!canSendFrom(p, source)) throw forbidden();
  const last = await ctx.db
    .selectFrom("transfers")
    .select(sql<number>`max(sequence)`.as("n"))
    .where("source_laestab", "=", source)
    .where("dest_laestab", "=", destination)
    .executeTakeFirst();
  const n = Number(last?.n ?? 0);
  const sequence = n >= 999 ? 1 : n + 1;
  return { sequence, fileName: formatCtfFileName(source, destination, sequence) };
}

/** The checking job: read the stored file, record findings, index pupils, route, tell people. */
import { sql } from "kysely";
import { isDate } from "../ctf/checker.js";
import { detach, type Finding, findingJson } from "../ctf/findings.js";
import { parseCtf } from "../ctf/read.js";
import { inTransaction } from "../platform/change.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext } from "./context.js";
import { notificationAddresses } from "./establishments.js";
import {
  type FileRef,
  fileAwaitsMessage,
  uncheckedMessage,
  uploadFailedMessage,
} from "./messages.js";
import { organisationNames } from "./organisation-names.js";
import { matchFileAgainstRegisters } from "./register-matches.js";
import { tellLaOfRegisterFile } from "./register-notices.js";
import type { Db, StoredFinding, TransferPupilsTable, Tx } from "./schema.js";
import { type TransferRow, withNames } from "./transfer-view.js";

export const MAX_STORED_FINDINGS = 500;

/** A check's findings as a transfer keeps them: errors and warnings apart. */
export function storedFindings(findings: readonly Finding[]) {
  return {
    errors: findings.filter((f) => f.severity === "error").map(findingJson),
    warnings: findings.filter((f) => f.severity === "warning").map(findingJson),
  };
}
const PUPIL_BATCH = 500;

/**
 * A batch of pupils in one statement of twelve array parameters: a multi-row VALUES list of
 * 500 rows would be 6,000 parameters, built, compiled and serialised one by one.
 */
async function insertPupils(db: Db | Tx, rows: TransferPupilsTable[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof TransferPupilsTable>(k: K) => rows.map((r) => r[k]);
  await sql`insert into transfer_pupils (transfer_id, position, upn, former_upn, surname,
      forename, preferred_surname, preferred_forename, former_surname, dob, sex, nc_year)
    select * from unnest(${column("transfer_id")}::uuid[], ${column("position")}::int[],
      ${column("upn")}::text[], ${column("former_upn")}::text[], ${column("surname")}::text[],
      ${column("forename")}::text[], ${column("preferred_surname")}::text[],
      ${column("preferred_forename")}::text[], ${column("former_surname")}::text[],
      ${column("dob")}::date[], ${column("sex")}::text[], ${column("nc_year")}::text[])
    on conflict (transfer_id, position) do nothing`.execute(db);
}

async function clearPupils(db: Db | Tx, id: string): Promise<void> {
  await db.deleteFrom("transfer_pupils").where("transfer_id", "=", id).execute();
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

export async function checkUpload(ctx: HubContext, transferId: string): Promise<void> {
  const row = await uncheckedRow(ctx, transferId);
  if (row?.status !== "checking" || row.store_key === null) return;
  const timer = ctx.metrics?.checkDuration.startTimer();
  let outcome = "error";
  try {
    outcome = await checkRow(ctx, row, row.store_key);
  } finally {
    timer?.({ outcome });
  }
}

/** The sender's address, the schools' names and the destination's standing come with the row. */
function uncheckedRow(ctx: HubContext, transferId: string) {
  return withNames(ctx.db)
    .leftJoin("users as sender", "sender.id", "transfers.sender_user_id")
    .select([
      "sender.email as sender_email",
      "dst.laestab as dest_found",
      "dst.status as dest_status",
      "dst.independent as dest_independent",
      "dst.email as dest_email",
      // Who passed it on, if an LA did: asked here rather than in a round trip of its own.
      (eb) =>
        eb
          .selectFrom("audit_events")
          .select("organisation")
          .where("target", "=", sql<string>`'transfer:' || ${eb.ref("transfers.id")}`)
          .where("action", "=", "redirect")
          .orderBy("id", "desc")
          .limit(1)
          .as("redirected_by"),
    ])
    .where("transfers.id", "=", transferId)
    .executeTakeFirst();
}

type UncheckedRow = NonNullable<Awaited<ReturnType<typeof uncheckedRow>>>;

/** Checks the file and records what it became; returns that status. */
async function checkRow(ctx: HubContext, row: UncheckedRow, storeKey: string): Promise<string> {
  // Pupils are written a batch at a time as they are read, so a file of any size is checked in
  // bounded memory. A check tried again after a failure reads the same file, so it writes the
  // same rows: those an earlier attempt wrote are left as they are.
  let pupils: TransferPupilsTable[] = [];
  const flush = async () => {
    const batch = pupils;
    pupils = [];
    await insertPupils(ctx.db, batch);
  };
  const report = await parseCtf(await ctx.store.get(storeKey), {
    fileName: row.file_name,
    now: ctx.clock(),
    maxPupils: ctx.config.maxPupilsPerFile,
    onPupil(pupil, position) {
      const bd = pupil.basicDetails;
      // Detached: a string kept from the reader would keep its whole 64 KB chunk alive until
      // the batch is written, and a file's worth of chunks would outlive the young generation.
      const text = (v: string | undefined) => (v === undefined ? null : detach(v));
      pupils.push({
        transfer_id: row.id,
        position,
        upn: text(pupil.upn),
        former_upn: text(bd?.formerUpn),
        surname: text(pupil.surname) ?? "",
        forename: text(pupil.forename) ?? "",
        preferred_surname: text(bd?.preferredSurname),
        preferred_forename: text(bd?.preferredForename),
        former_surname: text(bd?.formerSurname),
        // Only a real date: 2012-02-30 has a date's shape, and the database refuses it, which
        // failed the whole check (the checker reports it, as an error on the pupil's line).
        dob: pupil.dob && isDate(pupil.dob) ? pupil.dob : null,
        sex: text(pupil.sex),
        nc_year: text(bd?.ncYearActual),
      });
      return pupils.length >= PUPIL_BATCH ? flush() : undefined;
    },
  });
  const { errors, warnings } = storedFindings(report.findings);
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
  await inTransaction(ctx, async ({ trx, mailQueued }) => {
    const changed = await trx
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
      .returning("id")
      .executeTakeFirst();
    // Checked by another run (this one's lease lapsed and it was started again): that run's
    // pupils stand, and there is nothing to tell. Removed by its sender while it was read, or
    // failed: no pupils to keep.
    if (!changed) {
      const current = await trx
        .selectFrom("transfers")
        .select("status")
        .where("id", "=", row.id)
        .executeTakeFirst();
      if (current === undefined || current.status === "removed" || current.status === "failed")
        await clearPupils(trx, row.id);
      return;
    }
    if (failed) await clearPupils(trx, row.id);
    else if (pupils.length > 0) {
      // The last batch commits with the status, so a small file costs one transaction.
      await insertPupils(trx, pupils);
    }
    if (failed && row.sender_email) {
      await enqueueMail(
        trx,
        uploadFailedMessage(
          [row.sender_email],
          {
            id: row.id,
            name: row.file_name,
            deletedOn: new Date(now.getTime() + ctx.config.retention.afterDoneDays * 86_400_000),
          },
          errors,
          ctx.config.publicUrl,
        ),
        now,
        row.id,
      );
      mailQueued();
    } else if (status === "lost" || status === "outside") {
      if (await tellLaOfRegisterFile(ctx, trx, row, status, now)) mailQueued();
    } else if (status === "available") {
      // A pupil here may be a child in a register: asked now, their rows being written.
      if (row.dest_kind === "school" && (await matchFileAgainstRegisters(ctx, trx, row)))
        mailQueued();
      await tellDestination(
        ctx,
        trx,
        row,
        row.source_name ?? undefined,
        report.pupilCount,
        now,
        { id: row.id, name: row.file_name, deletedOn: expires },
        { email: row.dest_email, redirectedBy: row.redirected_by },
      );
      mailQueued();
    }
    await audit(trx, null, {
      action: "transfer.checked",
      target: `transfer:${row.id}`,
      // Which process checked it: with several workers, each upload is checked exactly once.
      detail: { status, errors: errors.length, warnings: warnings.length, worker: process.pid },
    });
  });
  return status;
}

/** What a sender is told of a file S2S could not check, however often it tried. */
export const CHECK_GAVE_UP =
  "S2S could not check this file; send it again, or contact the help desk.";

/**
 * The check of `transferId` failed every try (its job is a dead letter): the file is failed with
 * a plain message, its sender is told, and it is audited, so that no file stays checking for
 * ever with nobody told.
 */
export async function checkGaveUp(ctx: HubContext, transferId: string): Promise<void> {
  const now = ctx.clock();
  await inTransaction(ctx, async ({ trx, mailQueued }) => {
    const row = await trx
      .updateTable("transfers")
      .set({
        status: "failed",
        checked_at: now,
        errors: JSON.stringify([hubError("check.failed", CHECK_GAVE_UP)]),
      })
      .where("id", "=", transferId)
      .where("status", "=", "checking")
      .returning(["id", "file_name", "sender_user_id"])
      .executeTakeFirst();
    // Removed meanwhile, or checked after all: nothing to do.
    if (!row) return;
    await clearPupils(trx, row.id);
    const sender = row.sender_user_id
      ? await trx
          .selectFrom("users")
          .select("email")
          .where("id", "=", row.sender_user_id)
          .executeTakeFirst()
      : undefined;
    if (sender?.email) {
      const deletedOn = new Date(now.getTime() + ctx.config.retention.afterDoneDays * 86_400_000);
      await enqueueMail(
        trx,
        uncheckedMessage(
          [sender.email],
          { id: row.id, name: row.file_name, deletedOn },
          ctx.config.helpdesk,
          ctx.config.publicUrl,
        ),
        now,
        row.id,
      );
      mailQueued();
    }
    await audit(trx, null, {
      action: "transfer.check-gave-up",
      target: `transfer:${row.id}`,
      detail: { worker: process.pid },
    });
  });
}

/** E-mails a file's destination that a file awaits it. */
export async function tellDestination(
  ctx: HubContext,
  trx: Tx,
  t: { dest_laestab: string; source_laestab: string },
  sourceName: string | undefined,
  pupilCount: number,
  now: Date,
  file: FileRef,
  known?: { email: string | null; redirectedBy: string | null },
): Promise<void> {
  // What the caller already has (the school's own address, who passed the file on) saves lookups.
  const to = known?.email ? [known.email] : await notificationAddresses(trx, t.dest_laestab);
  const from = { laestab: t.source_laestab, name: sourceName ?? t.source_laestab };
  const by = await passedOnBy(trx, file.id, known?.redirectedBy);
  await enqueueMail(
    trx,
    fileAwaitsMessage(to, from, pupilCount, ctx.config.publicUrl, file, by),
    now,
    file.id,
  );
}

/**
 * The LA that passed this file on from a register, in words ("Northshire (LA 823)"), if one did:
 * the receiving school should know who found the pupil, not only who sent the file.
 */
async function passedOnBy(
  db: Tx,
  transferId: string,
  known?: string | null,
): Promise<string | undefined> {
  const la =
    known !== undefined
      ? known
      : (
          await db
            .selectFrom("audit_events")
            .select("organisation")
            .where("target", "=", `transfer:${transferId}`)
            .where("action", "=", "redirect")
            .orderBy("id", "desc")
            .executeTakeFirst()
        )?.organisation;
  if (!la?.startsWith("LA ")) return undefined;
  return (await organisationNames(db, [la])).get(la);
}

/**
 * Export and send: the pupils leaving for one school go in one CTF, each pupil whose destination
 * is unknown in a file of their own, written by the ctf library and checked by it before it
 * leaves. A file with an error goes nowhere. Sent straight to the hub when asked; when the hub
 * cannot be reached it waits, says so, and goes with the next retry.
 */

import { HubError, isRetryable } from "../client/hub-client.js";
import { formatCtfFileName, LOST_PUPILS, nextSequence } from "../ctf/filename.js";
import type { CtfDocument, Pupil, SchoolHistoryEntry } from "../ctf/model.js";
import { readCtf } from "../ctf/read.js";
import { academicYearOf, versionForYear } from "../ctf/version.js";
import { writeCtf } from "../ctf/writer.js";
import { AppError, invalid, isId } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { destinationName } from "./destination-names.js";
import { exchangeFolder, writeToFolder } from "./exchange-folder.js";
import { hubClientFor } from "./hub-connection.js";
import { exportStatusText } from "./leaver-files.js";
import { partialDescriptor } from "./record-gaps.js";
import { getSchool, schoolUrn } from "./school.js";

interface LeaverRow {
  id: string;
  upn: string | null;
  surname: string;
  forename: string;
  admission_date: string | null;
  leaving_date: string | null;
  leaving_reason: string | null;
  leaving_destination: string | null;
  never_given: string[] | null;
  record: Pupil;
}

/** Exports the pupils' CTFs, one a destination (one a pupil for XXXXXXX); sends them if asked. */
export async function createExports(
  ctx: MisContext,
  actor: MisPrincipal,
  input: { pupils: string[]; send: boolean },
) {
  const ids = [...new Set(input.pupils)];
  if (ids.length === 0 || !ids.every(isId))
    throw invalid("Choose the pupils to export (their ids).", "pupils");
  const rows = (await ctx.db
    .selectFrom("pupils")
    .select([
      "id",
      "upn",
      "surname",
      "forename",
      "admission_date",
      "leaving_date",
      "leaving_reason",
      "leaving_destination",
      "never_given",
      "record",
    ])
    .where("id", "in", ids)
    .execute()) as LeaverRow[];
  if (rows.length !== ids.length)
    throw invalid("Some of those pupils are not in the register.", "pupils");
  const missing = rows.flatMap((r) => {
    const lacks = [
      r.leaving_reason ? undefined : "leaving reason",
      r.leaving_date ? undefined : "leaving date",
      r.leaving_destination ? undefined : "destination",
    ].filter((x): x is string => x !== undefined);
    return lacks.length === 0 ? [] : [`${nameOf(r)}: no ${lacks.join(", no ")}`];
  });
  if (missing.length > 0)
    throw new AppError("invalid", `Record leaving details first. ${missing.join("; ")}.`, {
      field: "pupils",
    });

  const found = await getSchool(ctx);
  const hub = await hubClientFor(ctx);
  const school = { ...found, urn: await schoolUrn(ctx, found, hub) };
  const groups = new Map<string, LeaverRow[]>();
  for (const r of rows) {
    const dest = r.leaving_destination as string;
    // A file for an unknown destination holds one pupil: each goes to the Lost Pupils database.
    const key = dest === LOST_PUPILS ? `${dest}:${r.id}` : dest;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const made: string[] = [];
  const claim = ctx.clock();
  const folder = input.send ? null : await exchangeFolder(ctx);
  for (const group of groups.values()) {
    const destination = group[0]?.leaving_destination as string;
    const fileName = await nextFileName(ctx, hub, school.laestab, destination);
    const xml = await buildCtf(ctx, school, destination, group);
    const row = await ctx.db.transaction().execute(async (trx) => {
      const made = await trx
        .insertInto("exports")
        .values({
          file_name: fileName,
          destination,
          pupil_ids: group.map((g) => g.id),
          xml,
          partial: group.some(isPartial),
          status: input.send ? "waiting" : "saved",
          // Claimed by this request from the start, so the retry job leaves it to us.
          ...(input.send ? { sending_since: claim } : {}),
          created_by: actor.userId,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await misAudit(trx, actor, "export.create", `export:${made.id}`, {
        fileName,
        pupils: group.length,
      });
      return made;
    });
    if (folder) await saveToFolder(ctx, row.id, folder, fileName, xml);
    made.push(row.id);
  }
  if (input.send) await sendWaiting(ctx, made, claim);
  return listExports(ctx, made);
}

function nameOf(r: { surname: string; forename: string; upn: string | null }): string {
  return `${r.surname} ${r.forename}${r.upn ? ` (UPN ${r.upn})` : ""}`;
}

/** The next _NNN: the hub's when it answers, never one this school side has used already. */
async function nextFileName(
  ctx: MisContext,
  hub: Awaited<ReturnType<typeof hubClientFor>>,
  from: string,
  to: string,
): Promise<string> {
  const used = await ctx.db
    .selectFrom("exports")
    .select("file_name")
    .where("destination", "=", to)
    .execute();
  let sequence = nextSequence(
    from,
    to,
    used.map((u) => u.file_name),
  );
  if (hub) {
    const fromHub = await hub.nextSequence(from, to).catch(() => undefined);
    if (fromHub) sequence = Math.max(sequence, fromHub.sequence);
  }
  return formatCtfFileName(from, to, sequence);
}

/** This school as its exports name it. */
interface Sender {
  laestab: string;
  name: string;
  urn: string | undefined;
}

async function buildCtf(
  ctx: MisContext,
  school: Sender,
  destination: string,
  group: LeaverRow[],
): Promise<string> {
  const now = ctx.clock();
  const associated = await ctx.db
    .selectFrom("associated_schools")
    .select(["urn"])
    .where("laestab", "=", destination)
    .executeTakeFirst();
  const academicYear = academicYearOf(now);
  const version = versionForYear(academicYear);
  // A record that lacks areas no file ever gave goes as partial, saying which and whose, so the
  // next school does not take a missing area for an empty one.
  const partial = group.some(isPartial);
  const doc: CtfDocument = {
    header: {
      documentName: "Common Transfer File",
      version,
      dateTime: now.toISOString().slice(0, 19),
      documentQualifier: partial ? "partial" : "full",
      ...(partial ? { dataDescriptor: partialDescriptor(group.map((g) => g.never_given)) } : {}),
      supplierId: "S2S",
      sourceSchool: {
        lea: school.laestab.slice(0, 3),
        estab: school.laestab.slice(3),
        ...(school.urn ? { urn: school.urn } : {}),
        schoolName: school.name,
        academicYear: String(academicYear),
      },
      destSchool: {
        lea: destination.slice(0, 3),
        estab: destination.slice(3),
        ...(associated?.urn ? { urn: associated.urn } : {}),
      },
    },
    pupils: group.map((r) => withLeaving(r, school)),
  };
  const xml = writeCtf(doc, { version });
  const fileName = formatCtfFileName(school.laestab, destination, 1);
  const check = await readCtf(xml, { fileName, now });
  if (!check.valid) {
    const errors = check.findings
      .filter((f) => f.severity === "error")
      .map((f) => {
        const who = f.pupil ? group[f.pupil.position - 1] : undefined;
        return `${who ? `${nameOf(who)}: ` : ""}${f.message}`;
      });
    throw new AppError(
      "invalid",
      `The CTF would not be valid, so nothing was sent. ${errors.join("; ")}.`,
      {
        field: "pupils",
      },
    );
  }
  return xml;
}

const isPartial = (r: LeaverRow) => (r.never_given?.length ?? 0) > 0;

/**
 * The pupil's record with this school's own stay closed by the leaving details: the stay that
 * began on the pupil's admission (a pupil who came back has an earlier, ended one too), or, with
 * no admission date known, the one still open.
 */
function withLeaving(r: LeaverRow, school: Sender): Pupil {
  const p: Pupil = structuredClone(r.record);
  const lea = school.laestab.slice(0, 3);
  const estab = school.laestab.slice(3);
  const history: SchoolHistoryEntry[] = p.schoolHistory ?? [];
  const ours = history.filter((h) => h.lea === lea && h.estab === estab);
  let here = r.admission_date
    ? ours.find((h) => h.entryDate === r.admission_date)
    : ours.find((h) => !h.leavingDate);
  if (!here) {
    here = {
      lea,
      estab,
      ...(school.urn ? { urn: school.urn } : {}),
      schoolName: school.name,
      ...(r.admission_date ? { entryDate: r.admission_date } : {}),
    };
    history.unshift(here);
  }
  // The stay is at this school: its URN is ours, whatever an earlier record said.
  if (school.urn) here.urn = school.urn;
  here.leavingDate = r.leaving_date as string;
  here.leavingReason = r.leaving_reason as string;
  p.schoolHistory = history;
  return p;
}

/**
 * Sends exports waiting to go (those named, or all): each is uploaded with its own id as the
 * Idempotency-Key, so a retry after a lost answer never sends a file twice.
 */
export async function sendWaiting(
  ctx: MisContext,
  ids?: string[],
  ownClaim?: Date,
): Promise<number> {
  if (ids?.length === 0) return 0;
  const hub = await hubClientFor(ctx);
  let query = ctx.db
    .selectFrom("exports")
    .select(["id", "file_name", "xml"])
    .where("status", "=", "waiting");
  if (ids) query = query.where("id", "in", ids);
  const waiting = await query.orderBy("created_at").execute();
  let sent = 0;
  for (const e of waiting) {
    if (!hub) {
      await noteError(
        ctx,
        e.id,
        "Not sent: this school side is not connected to the hub. It will go once it is.",
      );
      continue;
    }
    // Claimed first: the retry timer and a user's request may both reach the same file, and
    // only one may send it (a claim older than two minutes is a sender that died).
    const now = ctx.clock();
    const claimed = await ctx.db
      .updateTable("exports")
      .set({ sending_since: now })
      .where("id", "=", e.id)
      .where("status", "=", "waiting")
      .where((eb) =>
        eb.or([
          eb("sending_since", "is", null),
          eb("sending_since", "<", new Date(now.getTime() - 120_000)),
          ...(ownClaim ? [eb("sending_since", "=", ownClaim)] : []),
        ]),
      )
      .returning("id")
      .executeTakeFirst();
    if (!claimed) continue;
    try {
      const r = await hub.upload(e.file_name, e.xml, e.id);
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .updateTable("exports")
          .set({
            status: "sent",
            transfer_id: r.id,
            hub_status: r.status,
            sent_at: ctx.clock(),
            last_error: null,
            sending_since: null,
          })
          .where("id", "=", e.id)
          .execute();
        await misAudit(trx, null, "export.send", `export:${e.id}`, { transfer: r.id });
      });
      sent++;
    } catch (err) {
      // No answer, the hub's own failure, or the same send still in progress there: try later.
      const later = isRetryable(err);
      if (!later && !(err instanceof HubError)) throw err;
      await ctx.db
        .updateTable("exports")
        .set({
          ...(later ? {} : { status: "refused" as const }),
          last_error: later
            ? `Waiting to be sent: ${(err as Error).message}. It will be tried again.`
            : `The hub refused it: ${(err as Error).message}`,
          sending_since: null,
        })
        .where("id", "=", e.id)
        .execute();
    }
  }
  return sent;
}

/** Kept back: written to the folder; a failure is noted on the export, which keeps the file. */
async function saveToFolder(
  ctx: MisContext,
  id: string,
  folder: string,
  fileName: string,
  xml: string,
): Promise<void> {
  try {
    const path = await writeToFolder(folder, fileName, xml);
    await ctx.db.updateTable("exports").set({ saved_path: path }).where("id", "=", id).execute();
  } catch (e) {
    await noteError(
      ctx,
      id,
      `Not written to the data exchange folder (${folder}): ${(e as Error).message}. Download it from here, or send it.`,
    );
  }
}

/** Sends an export that was kept back: it joins the files waiting to go, and goes now. */
export async function sendSavedExport(ctx: MisContext, actor: MisPrincipal, id: string) {
  if (!isId(id)) throw new AppError("not-found");
  const claim = ctx.clock();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable("exports")
      .set({ status: "waiting", sending_since: claim, last_error: null })
      .where("id", "=", id)
      .where("status", "=", "saved")
      .returning("id")
      .executeTakeFirst();
    if (claimed) await misAudit(trx, actor, "export.send-saved", `export:${id}`);
    return claimed;
  });
  if (!row) {
    const found = await ctx.db
      .selectFrom("exports")
      .select("status")
      .where("id", "=", id)
      .executeTakeFirst();
    if (!found) throw new AppError("not-found");
    throw new AppError("conflict", "That file was not kept back: it is sent, or on its way.");
  }
  await sendWaiting(ctx, [id], claim);
  const [listed] = await listExports(ctx, [id]);
  return listed;
}

async function noteError(ctx: MisContext, id: string, message: string): Promise<void> {
  await ctx.db.updateTable("exports").set({ last_error: message }).where("id", "=", id).execute();
}

/**
 * Asks the hub what became of each sent file that may still change: one paged list of what this
 * school sent, back as far as the oldest such file, rather than a request for each.
 */
export async function refreshFromHub(ctx: MisContext): Promise<void> {
  const hub = await hubClientFor(ctx);
  if (!hub) return;
  const open = await ctx.db
    .selectFrom("exports")
    .select(["id", "transfer_id", "created_at"])
    .where("status", "=", "sent")
    .where((eb) =>
      eb.or([
        eb("hub_status", "is", null),
        eb("hub_status", "in", ["checking", "available", "lost", "outside"]),
      ]),
    )
    .execute();
  const asked = open.filter((e) => e.transfer_id !== null);
  if (asked.length === 0) return;
  const oldest = Math.min(...asked.map((e) => e.created_at.getTime()));
  // An hour's slack: the hub's clock and this one's need not agree to the second.
  const sent = await hub.sentSince(new Date(oldest - 3600_000));
  const byId = new Map(sent.map((t) => [t.id, t]));
  for (const e of asked) {
    const t = byId.get(e.transfer_id as string);
    if (!t) continue;
    await ctx.db
      .updateTable("exports")
      .set({
        hub_status: t.status,
        hub_detail: JSON.stringify({
          downloadedAt: t.downloadedAt,
          rejectedAt: t.rejectedAt,
          rejectReason: t.rejectReason,
          expiresAt: t.expiresAt,
          errors: t.errors.map((f) => f.message),
        }),
        checked_at: ctx.clock(),
      })
      .where("id", "=", e.id)
      .execute();
  }
}

export async function listExports(ctx: MisContext, ids?: string[]) {
  let query = ctx.db
    .selectFrom("exports")
    .leftJoin("associated_schools as a", "a.laestab", "exports.destination")
    .select([
      "exports.id",
      "exports.file_name",
      "exports.destination",
      "a.name as destination_name",
      "exports.pupil_ids",
      "exports.status",
      "exports.transfer_id",
      "exports.hub_status",
      "exports.hub_detail",
      "exports.last_error",
      "exports.created_at",
      "exports.sent_at",
      "exports.saved_path",
      "exports.partial",
    ])
    .orderBy("exports.created_at", "desc");
  if (ids) query = query.where("exports.id", "in", ids);
  const rows = await query.limit(500).execute();
  return rows.map((r) => {
    const to = destinationName(r.destination, r.destination_name);
    return {
      id: r.id,
      fileName: r.file_name,
      destination: r.destination,
      destinationName: r.destination_name ?? destinationName(r.destination),
      // The destination with its number, as the exports page shows it.
      destinationText: to,
      // What the status means for the office, naming the school: "Waiting for ... to collect it".
      statusText: exportStatusText(r, to),
      pupils: r.pupil_ids,
      // Once sent, what the hub says; before, whether it waits or was kept here.
      status: r.hub_status ?? r.status,
      transferId: r.transfer_id,
      detail: r.hub_detail,
      lastError: r.last_error,
      createdAt: r.created_at.toISOString(),
      sentAt: r.sent_at?.toISOString() ?? null,
      savedTo: r.saved_path,
      partial: r.partial,
    };
  });
}

/** The exported file itself, for saving by hand: pupils' data read, so audited. */
export async function exportFile(ctx: MisContext, actor: MisPrincipal, id: string) {
  if (!isId(id)) return undefined;
  const file = await ctx.db
    .selectFrom("exports")
    .select(["file_name", "xml", "pupil_ids"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (file)
    await misAudit(ctx.db, actor, "export.download", `export:${id}`, {
      fileName: file.file_name,
      pupils: file.pupil_ids.length,
    });
  return file;
}

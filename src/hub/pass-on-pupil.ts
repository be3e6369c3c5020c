/**
 * An LA passes one pupil of a multi-pupil register file (an out-of-sector file of a whole class,
 * say) on to the school that pupil joined: the hub writes a one-pupil CTF for them with the ctf
 * library, sends it to the school as a file from the original sender (checked and notified like
 * any other), and keeps the rest of the file in the register, rewritten without them, so that
 * no pupil is passed on twice.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { formatCtfFileName } from "../ctf/filename.js";
import type { CtfDocument } from "../ctf/model.js";
import { parseCtf, readCtf } from "../ctf/read.js";
import { writeCtf } from "../ctf/writer.js";
import { inTransaction } from "../platform/change.js";
import { AppError, invalid } from "../platform/errors.js";
import { readAll } from "../platform/store/blob-store.js";
import { audit } from "./audit.js";
import { MAX_STORED_FINDINGS, storedFindings } from "./check-upload.js";
import type { HubContext, Principal } from "./context.js";
import { sha256 } from "./credentials.js";
import { deleteInFlight, landed, listInFlight } from "./files-in-flight.js";
import { passOnTarget } from "./lost-pupils.js";
import { tellKeeper } from "./register-notices.js";
import { sequenceAfterLast } from "./upload.js";

export async function passOnPupil(
  ctx: HubContext,
  p: Principal,
  id: string,
  position: number,
  to: string,
) {
  const { row, school } = await passOnTarget(ctx, p, id, to);
  const count = row.pupil_count ?? 0;
  if (count <= 1) throw invalid("This file holds one pupil: pass the whole file on.", "pupil");
  if (!Number.isInteger(position) || position < 1 || position > count)
    throw invalid(`Choose a pupil of this file, from 1 to ${count}.`, "pupil");
  if (!row.store_key) throw invalid("This file's contents have been deleted.", "pupil");
  const read = await readCtf(await readAll(await ctx.store.get(row.store_key)), {
    fileName: row.file_name,
  });
  const doc = read.document as CtfDocument;
  const pupil = doc.pupils[position - 1];
  if (!pupil) throw invalid(`There is no pupil ${position} in this file.`, "pupil");
  const one = writeCtf({
    header: {
      ...doc.header,
      // DestSchool holds LEA, Estab and URN: a school's name is SourceSchool's alone.
      destSchool: {
        lea: school.laestab.slice(0, 3),
        estab: school.laestab.slice(3),
        ...(school.urn ? { urn: school.urn } : {}),
      },
    },
    pupils: [pupil],
  });
  const rest = writeCtf({
    header: doc.header,
    pupils: doc.pupils.filter((_, i) => i !== position - 1),
  });
  const [oneKey, restKey] = [randomUUID(), randomUUID()];
  const oneBytes = Buffer.from(one, "utf8");
  const restBytes = Buffer.from(rest, "utf8");
  // The register's copy is checked again: its findings name the others' new places and lines.
  const restChecked = await parseCtf(restBytes, { fileName: row.file_name, now: ctx.clock() });
  const { errors, warnings } = storedFindings(restChecked.findings);
  await listInFlight(ctx.db, [oneKey, restKey], ctx.clock());
  try {
    await ctx.store.put(oneKey, oneBytes);
    await ctx.store.put(restKey, restBytes);
    const created = await inTransaction(ctx, async ({ trx, jobsQueued, mailQueued }) => {
      const sequence = await sequenceAfterLast(trx, row.source_laestab, school.laestab);
      const inserted = await trx
        .insertInto("transfers")
        .values({
          file_name: formatCtfFileName(row.source_laestab, school.laestab, sequence),
          source_laestab: row.source_laestab,
          dest_laestab: school.laestab,
          dest_kind: "school",
          sequence,
          status: "checking",
          sender_user_id: row.sender_user_id,
          size_bytes: oneBytes.length,
          sha256: sha256(oneBytes),
          store_key: oneKey,
          created_at: ctx.clock(),
        })
        .returning(["id", "file_name"])
        .executeTakeFirstOrThrow();
      // The register keeps the others, renumbered as the rewritten file holds them; only if
      // nobody changed the file since it was read (another pass on, a removal).
      const kept = await trx
        .updateTable("transfers")
        .set({
          store_key: restKey,
          size_bytes: restBytes.length,
          sha256: sha256(restBytes),
          pupil_count: count - 1,
          errors: JSON.stringify(errors.slice(0, MAX_STORED_FINDINGS)),
          warnings: JSON.stringify(warnings.slice(0, MAX_STORED_FINDINGS)),
        })
        .where("id", "=", row.id)
        .where("store_key", "=", row.store_key)
        .where("status", "=", row.status)
        .executeTakeFirst();
      if (Number(kept.numUpdatedRows) !== 1)
        throw new AppError(
          "transfer.state",
          "This file changed while you were passing a pupil on (someone else passed one on, or it was removed). Open it again and try again.",
        );
      await landed(trx, [oneKey, restKey]);
      if (row.store_key) await listInFlight(trx, [row.store_key], ctx.clock());
      await trx
        .deleteFrom("transfer_pupils")
        .where("transfer_id", "=", row.id)
        .where("position", "=", position)
        .execute();
      // Two steps, as each row's new position must be free when it is written.
      await sql`update transfer_pupils set position = -position
        where transfer_id = ${row.id} and position > ${position}`.execute(trx);
      await sql`update transfer_pupils set position = -position - 1
        where transfer_id = ${row.id} and position < 0`.execute(trx);
      await ctx.jobs.checkUpload(trx, inserted.id, oneBytes.length);
      jobsQueued();
      const detail = { pupil: position, from: row.id, to: school.laestab, file: inserted.id };
      await audit(trx, p, { action: "redirect", target: `transfer:${inserted.id}`, detail });
      await audit(trx, p, { action: "redirect", target: `transfer:${row.id}`, detail });
      if (await tellKeeper(ctx, trx, p, row, school)) mailQueued();
      return inserted;
    });
    if (row.store_key) await deleteInFlight(ctx, [row.store_key]);
    return {
      id: created.id,
      fileName: created.file_name,
      destination: { laestab: school.laestab, name: school.name },
      remaining: count - 1,
    };
  } catch (e) {
    await deleteInFlight(ctx, [oneKey, restKey]);
    throw e;
  }
}

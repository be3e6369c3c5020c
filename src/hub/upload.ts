/** Sending: a file is stored encrypted, and its row and checking job commit together. */
import { createHash, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { formatCtfFileName, parseCtfFileName } from "../ctf/filename.js";
import { inTransaction } from "../platform/change.js";
import { AppError, forbidden } from "../platform/errors.js";
import { type ByteSource, chunksOf } from "../platform/store/blob-store.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { deleteInFlight, landed, listInFlight } from "./files-in-flight.js";
import { canSendFrom } from "./policies/transfers.js";
import type { Db, Tx } from "./schema.js";

export interface UploadInput {
  fileName: string;
  /** The file's bytes, read as they arrive: an upload is never held whole in memory. */
  content: ByteSource;
  /** Fewer bytes than the service's limit: what is left of one page post's allowance. */
  maxBytes?: number;
  /** Told the file's SHA-256 once it is read whole, even if the upload is then refused. */
  onHashed?(sha256: string): void;
}

const sizeText = (max: number) =>
  max >= 1048576 ? `${Math.floor(max / 1048576)} MB` : `${Math.floor(max / 1024)} KB`;

export function tooLarge(ctx: HubContext): AppError {
  const limit = sizeText(ctx.config.maxUploadBytes);
  return new AppError("upload.too-large", `The file is larger than ${limit}.`, { field: "file" });
}

function overBudget(ctx: HubContext): AppError {
  const total = sizeText(ctx.config.maxUploadBytes);
  return new AppError(
    "upload.too-large",
    `Files sent in one go may total ${total}, and this one goes past that. Send it on its own.`,
    { field: "file" },
  );
}

/**
 * Per-user limits, so that one account (or one stolen token) cannot fill the service: files
 * waiting to be checked at once, and bytes sent in an hour.
 */
async function withinUploadLimits(ctx: HubContext, p: Principal): Promise<void> {
  const hourAgo = new Date(ctx.clock().getTime() - 3600_000);
  const mine = await ctx.db
    .selectFrom("transfers")
    .select((eb) => [
      eb.fn.count<number>("id").filterWhere("status", "=", "checking").as("checking"),
      eb.fn.sum<number>("size_bytes").filterWhere("created_at", ">", hourAgo).as("bytes"),
    ])
    .where("sender_user_id", "=", p.userId)
    .where((eb) => eb.or([eb("status", "=", "checking"), eb("created_at", ">", hourAgo)]))
    .executeTakeFirstOrThrow();
  if (Number(mine.checking) >= ctx.config.uploadsInFlight)
    throw new AppError(
      "rate-limited",
      `You have ${ctx.config.uploadsInFlight} files still being checked. Wait for them, then send more.`,
    );
  if (Number(mine.bytes ?? 0) >= ctx.config.uploadBytesPerHour)
    throw new AppError(
      "rate-limited",
      "You have sent as much as one account may in an hour. Try again later, or ask the help desk.",
    );
}

/** A file is "still on its way" while it is checked or waits to be taken. */
const PENDING = ["checking", "available", "lost", "outside"] as const;

export async function upload(ctx: HubContext, p: Principal, input: UploadInput) {
  const name = parseCtfFileName(input.fileName);
  if (!name.ok) throw new AppError("upload.name", `${name.reason}.`, { field: "file" });
  const { source, destination } = name.name;
  if (!canSendFrom(p, source)) {
    throw forbidden(
      `The file name says it comes from ${source}; you can only send your own organisation's files.`,
    );
  }
  await withinUploadLimits(ctx, p);
  const key = randomUUID();
  const hash = createHash("sha256");
  let size = 0;
  const max = Math.min(ctx.config.maxUploadBytes, input.maxBytes ?? Number.POSITIVE_INFINITY);
  // Counted and hashed on the way through to the store; too large, and the store keeps nothing.
  async function* measured(): AsyncIterable<Uint8Array> {
    for await (const chunk of chunksOf(input.content)) {
      size += chunk.length;
      if (size > max) throw max < ctx.config.maxUploadBytes ? overBudget(ctx) : tooLarge(ctx);
      hash.update(chunk);
      yield chunk;
    }
  }
  // On the sweep's list first: a process that dies before the row commits leaves no orphan.
  await listInFlight(ctx.db, [key], ctx.clock());
  await ctx.store.put(key, measured()).catch(async (e) => {
    await deleteInFlight(ctx, [key]);
    throw e;
  });
  const sha256 = hash.digest("hex");
  input.onHashed?.(sha256);
  try {
    if (size === 0) throw new AppError("upload.empty", undefined, { field: "file" });
    const row = await inTransaction(ctx, async ({ trx, jobsQueued }) => {
      // The unique index on copies on their way decides (migration 0008): of two identical
      // uploads at the same moment, the second waits for the first and then inserts nothing.
      const inserted = await trx
        .insertInto("transfers")
        .values({
          file_name: name.name.canonical,
          source_laestab: source,
          dest_laestab: destination,
          dest_kind: name.name.destinationKind,
          sequence: name.name.sequence,
          status: "checking",
          sender_user_id: p.userId,
          size_bytes: size,
          sha256,
          store_key: key,
          created_at: ctx.clock(),
        })
        .onConflict((oc) =>
          oc
            .columns(["sha256", "source_laestab", "dest_laestab"])
            .where("status", "in", PENDING)
            .where("sent_before_duplicate_rule", "=", false)
            .doNothing(),
        )
        .returning(["id", "status", "file_name"])
        .executeTakeFirst();
      if (!inserted) {
        const same = await trx
          .selectFrom("transfers")
          .select(["id", "file_name", "status"])
          .where("sha256", "=", sha256)
          .where("source_laestab", "=", source)
          .where("dest_laestab", "=", destination)
          .where("status", "in", PENDING)
          .executeTakeFirstOrThrow();
        throw duplicateOf(same);
      }
      // The row, its file and its checking job commit together or not at all.
      await landed(trx, [key]);
      await ctx.jobs.checkUpload(trx, inserted.id, size);
      jobsQueued();
      await audit(trx, p, {
        action: "upload",
        target: `transfer:${inserted.id}`,
        detail: { bytes: size },
      });
      return inserted;
    });
    return { id: row.id, status: row.status, fileName: row.file_name, sizeBytes: size };
  } catch (e) {
    // The refusal is what the sender needs to hear, not a store's trouble deleting the bytes.
    await deleteInFlight(ctx, [key]);
    throw e;
  }
}

/** The same bytes, from the same sender to the same place, still on their way: a second send. */
function duplicateOf(existing: { id: string; file_name: string; status: string }): AppError {
  const where = existing.status === "checking" ? "being checked" : "waiting to be collected";
  return new AppError(
    "upload.duplicate",
    `This file has been sent already as ${existing.file_name}, which is ${where}. It was not ` +
      "sent again. Remove that file first if you mean to send it again.",
    { field: "file", detail: { transferId: existing.id, fileName: existing.file_name } },
  );
}

/** The next free sequence number for files from `source` to `destination`. */
export async function nextSequence(
  ctx: HubContext,
  p: Principal,
  source: string,
  destination: string,
) {
  if (!canSendFrom(p, source)) throw forbidden();
  const sequence = await sequenceAfterLast(ctx.db, source, destination);
  return { sequence, fileName: formatCtfFileName(source, destination, sequence) };
}

/** The sequence number after the last one sent from `source` to `destination` (999 wraps to 1). */
export async function sequenceAfterLast(
  db: Db | Tx,
  source: string,
  destination: string,
): Promise<number> {
  const last = await db
    .selectFrom("transfers")
    .select(sql<number>`max(sequence)`.as("n"))
    .where("source_laestab", "=", source)
    .where("dest_laestab", "=", destination)
    .executeTakeFirst();
  const n = Number(last?.n ?? 0);
  return n >= 999 ? 1 : n + 1;
}

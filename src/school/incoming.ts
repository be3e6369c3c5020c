/**
 * What this school can import: files waiting for it on the hub, CTFs for it in its data
 * exchange folder, and a file a user uploads. Each is known again by its SHA-256, so a file
 * imported before says when and by whom.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { HubError, HubUnreachableError, megabytes } from "../client/hub-client.js";
import { sha256 } from "../platform/accounts/secrets.js";
import { AppError, invalid } from "../platform/errors.js";
import type { MisContext } from "./context.js";
import { exchangeFolder } from "./exchange-folder.js";
import { hubClientFor } from "./hub-connection.js";
import { getSchool } from "./school.js";

export type ImportSource =
  | { transfer: string }
  | { file: string }
  | { upload: { fileName: string; bytes: Uint8Array } };

export interface LoadedFile {
  source: "hub" | "folder" | "upload";
  transferId: string | null;
  fileName: string;
  /** The file as it is read (from the hub as it arrives): it is never held whole. */
  chunks: AsyncIterable<Uint8Array>;
  /** Its SHA-256 (hex) when known before it is read: the hub says it; an upload is in hand. */
  sha256?: string;
}

/** When and by whom a file of this hash was imported, if it was (and not undone). */
export async function importedBefore(ctx: MisContext, digest: string) {
  const row = await ctx.db
    .selectFrom("imports")
    .leftJoin("users", "users.id", "imports.committed_by")
    .select(["imports.committed_at", "users.username"])
    .where("imports.sha256", "=", digest)
    .where("imports.status", "=", "committed")
    .orderBy("imports.committed_at", "desc")
    .executeTakeFirst();
  return row?.committed_at
    ? { at: row.committed_at.toISOString(), by: row.username ?? "the operator" }
    : null;
}

/** The files this school may import, newest first: the hub's, then the folder's. */
export async function listIncoming(ctx: MisContext) {
  const school = await getSchool(ctx);
  const files: {
    source: "hub" | "folder";
    transferId?: string;
    fileName: string;
    from: { laestab: string; name: string | null };
    pupils: number;
    receivedAt: string;
    importedBefore: { at: string; by: string } | null;
  }[] = [];
  const problems: string[] = [];
  const hub = await hubClientFor(ctx);
  if (hub) {
    try {
      for (const t of await hub.inbox()) {
        if (t.status !== "available" && t.status !== "downloaded") continue;
        files.push({
          source: "hub",
          transferId: t.id,
          fileName: t.fileName,
          from: { laestab: t.source.laestab, name: t.source.name },
          pupils: t.pupilCount,
          receivedAt: t.createdAt,
          importedBefore: await importedBefore(ctx, t.sha256),
        });
      }
    } catch (e) {
      problems.push(`The hub could not be asked for files waiting: ${(e as Error).message}.`);
    }
  }
  const folder = await exchangeFolder(ctx);
  if (folder) {
    const entries = await ctx.folderIndex.list(folder, school.laestab);
    if (!entries) problems.push(`The data exchange folder ${folder} could not be read.`);
    for (const e of entries ?? [])
      files.push({
        source: "folder",
        fileName: e.fileName,
        from: e.from,
        pupils: e.pupils,
        receivedAt: e.modifiedAt.toISOString(),
        importedBefore: await importedBefore(ctx, e.sha256),
      });
  }
  files.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
  return { files, problems };
}

const tooLarge = (name: string, maxBytes: number) =>
  invalid(`${name} is larger than this school side imports (${megabytes(maxBytes)}).`, "file");

/** Chunks of at most `maxBytes` in all: past that, the file is refused as too large. */
async function* capped(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    // The file grew after it was measured (an MIS still writing it).
    if (total > maxBytes) throw tooLarge(name, maxBytes);
    yield chunk;
  }
}

async function fromFolder(folder: string, name: string, maxBytes: number): Promise<LoadedFile> {
  // Opened here, so that a missing file is said before reading starts.
  const handle = await open(join(folder, name), "r");
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw invalid(`${name} is not a file.`, "file");
    if (info.size > maxBytes) throw tooLarge(name, maxBytes);
  } catch (e) {
    await handle.close();
    throw e;
  }
  const stream = handle.createReadStream({ highWaterMark: 256 * 1024 });
  return {
    source: "folder",
    transferId: null,
    fileName: name,
    chunks: capped(stream, name, maxBytes),
  };
}

/**
 * A download's chunks, asked for only when the first is wanted (the hub audits the read, and a
 * file imported before is refused first), a failure on the way said as this side's error.
 */
async function* fromHubChunks(
  start: () => Promise<AsyncIterable<Uint8Array>>,
): AsyncGenerator<Uint8Array> {
  try {
    yield* await start();
  } catch (e) {
    throw fromHub(e);
  }
}

/** The file an import is made from, whichever of the three it is, ready to be read. */
export async function loadSource(ctx: MisContext, source: ImportSource): Promise<LoadedFile> {
  if ("upload" in source) {
    const { fileName, bytes } = source.upload;
    if (bytes.length === 0) throw invalid("The file is empty.", "file");
    if (bytes.length > ctx.config.maxImportBytes)
      throw tooLarge(fileName, ctx.config.maxImportBytes);
    return {
      source: "upload",
      transferId: null,
      fileName,
      chunks: (async function* () {
        yield bytes;
      })(),
      sha256: sha256(bytes),
    };
  }
  if ("file" in source) {
    const folder = await exchangeFolder(ctx);
    if (!folder)
      throw invalid("No data exchange folder is set: a manager sets it in settings.", "file");
    // A name in the folder, never a path: nothing outside the folder is read.
    if (!/^[^/\\]+$/.test(source.file) || source.file.startsWith("."))
      throw invalid("Give the name of a file in the data exchange folder.", "file");
    return fromFolder(folder, source.file, ctx.config.maxImportBytes).catch((e) => {
      if (e instanceof AppError) throw e;
      throw invalid(`There is no file ${source.file} in the data exchange folder.`, "file");
    });
  }
  const hub = await hubClientFor(ctx);
  if (!hub) throw invalid("This school side is not connected to the hub.", "transfer");
  try {
    const t = await hub.transfer(source.transfer);
    // Refused before it is fetched; and as it arrives, should the hub's size be wrong.
    const maxBytes = ctx.config.maxImportBytes;
    if (t.sizeBytes > maxBytes) throw tooLarge(t.fileName, maxBytes);
    return {
      source: "hub",
      transferId: t.id,
      fileName: t.fileName,
      chunks: fromHubChunks(() => hub.previewChunks(t.id, { maxBytes })),
      sha256: t.sha256,
    };
  } catch (e) {
    throw fromHub(e);
  }
}

/** A hub client's failure as this side's error: unreachable, or what the hub said. */
export function fromHub(e: unknown): unknown {
  if (e instanceof HubUnreachableError) return new AppError("hub.unreachable", e.message);
  // Said by this side's client, stopping a download that grew too large, not by the hub.
  if (e instanceof HubError && e.code === "file.too-large")
    return invalid(`The hub's file was not imported: ${e.message}.`, "transfer");
  if (e instanceof HubError)
    return new AppError(
      e.status === 404 ? "not-found" : "hub.refused",
      `The hub says: ${e.message}`,
    );
  return e;
}

/**
 * Copies every file of one blob store into another, as stored (still encrypted), each checked by
 * its SHA-256 as read back from the new store. Run again, it copies only what is missing or
 * differs, so a copy stopped part-way resumes, and a last run after the service stops picks up
 * files written meanwhile.
 */
import { createHash } from "node:crypto";
import { type BlobStore, listAll, StoredFileMissingError } from "./blob-store.js";

export interface StoreCopyReport {
  copied: number;
  alreadyThere: number;
  /** Files gone from the old store while the copy ran (deleted by the service): nothing to do. */
  goneMeanwhile: number;
}

export class StoreCopyError extends Error {
  constructor(key: string, why: string) {
    super(`stored file ${key} ${why}`);
    this.name = "StoreCopyError";
  }
}

async function digest(store: BlobStore, key: string): Promise<string | undefined> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of await store.get(key)) hash.update(chunk);
  } catch (e) {
    if (e instanceof StoredFileMissingError) return undefined;
    throw e;
  }
  return hash.digest("hex");
}

type Outcome = "copied" | "alreadyThere" | "goneMeanwhile";

async function copyOne(from: BlobStore, to: BlobStore, key: string): Promise<Outcome> {
  const want = await digest(from, key);
  if (want === undefined) return "goneMeanwhile";
  if ((await digest(to, key)) === want) return "alreadyThere";
  try {
    await to.put(key, await from.get(key));
  } catch (e) {
    if (e instanceof StoredFileMissingError) return "goneMeanwhile";
    throw e;
  }
  if ((await digest(to, key)) !== want)
    throw new StoreCopyError(key, "did not arrive whole: its copy's SHA-256 differs");
  return "copied";
}

export async function copyStore(
  from: BlobStore,
  to: BlobStore,
  progress: (done: number, of: number) => void = () => {},
): Promise<StoreCopyReport> {
  const report: StoreCopyReport = { copied: 0, alreadyThere: 0, goneMeanwhile: 0 };
  const keys = await listAll(from);
  for (const [i, key] of keys.entries()) {
    report[await copyOne(from, to, key)]++;
    progress(i + 1, keys.length);
  }
  return report;
}

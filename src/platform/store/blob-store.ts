/**
 * Where bytes are kept, by key: a folder now, S3-compatible object storage next. Keys are ours
 * (random), never derived from pupil data. Every blob store passes the one contract suite in
 * test/store/blob-store-contract.ts; the encrypting store is one too, over another.
 */
export type ByteSource = Uint8Array | AsyncIterable<Uint8Array>;

export interface BlobStore {
  /**
   * Writes everything `source` yields under `key`. Nothing is under `key` until all of it is
   * written; if `source` fails, nothing is left behind and its error is thrown.
   */
  put(key: string, source: ByteSource): Promise<{ bytes: number }>;
  /** The bytes under `key`, read as a stream; `StoredFileMissingError` if there are none. */
  get(key: string): Promise<AsyncIterable<Uint8Array>>;
  /** Deleting what is not there is no error: two workers may both try. */
  delete(key: string): Promise<void>;
  /** Keys written before `olderThan`, for sweeping files whose upload never committed. */
  list(olderThan: Date): Promise<string[]>;
  /** Resolves when the store can be reached and written to; throws saying why not. */
  ready(): Promise<void>;
  /** Removes half-written files older than `olderThan` that a crash left; returns how many. */
  sweepTemporary(olderThan: Date): Promise<number>;
}

/**
 * Deletes files whose rows have already let them go, in a change that has committed. A failure
 * here is not the caller's to report: the change stands, and the orphan sweep removes what is
 * left within a day. Returns how many could not be deleted now.
 */
export async function deleteLetGo(store: BlobStore, keys: Iterable<string>): Promise<number> {
  let left = 0;
  for (const key of keys) await store.delete(key).catch(() => left++);
  return left;
}

export class StoredFileMissingError extends Error {
  constructor(key: string) {
    super(`stored file ${key} is missing`);
    this.name = "StoredFileMissingError";
  }
}

/** Keys are ours; anything else (a path, say) is refused before it reaches a store. */
const SAFE_KEY = /^[A-Za-z0-9-]{8,64}$/;

export function checkKey(key: string): string {
  if (!SAFE_KEY.test(key)) throw new Error(`not a store key: ${key}`);
  return key;
}

export async function* chunksOf(source: ByteSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) yield source;
  else yield* source;
}

/** Reads a stream whole: for tests and small files only, as it holds everything in memory. */
export async function readAll(source: ByteSource): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunksOf(source)) parts.push(chunk);
  return Buffer.concat(parts);
}

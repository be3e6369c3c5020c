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

export class StoredFileMissingError extends Error {
  constructor(key: string) {
    super(`stored file ${key} is missing`);
    this.name = "StoredFileMissingError";
  }
}

/** Keys are ours; anything else (a path, say) is refused before it reaches a store. */
export const isStoreKey = (key: string): boolean => /^[A-Za-z0-9-]{8,64}$/.test(key);

export function checkKey(key: string): string {
  if (!isStoreKey(key)) throw new Error(`not a store key: ${key}`);
  return key;
}

/** Every key a store holds, whatever its age: for re-keying or moving them all, never a sweep. */
export const listAll = (store: BlobStore): Promise<string[]> =>
  store.list(new Date(8_640_000_000_000_000));

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

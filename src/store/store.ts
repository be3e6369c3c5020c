/** Where uploaded files live. Keys are ours (random), never derived from pupil data. */
export interface FileStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
  /** Keys written before `olderThan`, for sweeping files whose upload never committed. */
  list(olderThan: Date): Promise<string[]>;
}

export class StoredFileMissingError extends Error {
  constructor(key: string) {
    super(`stored file ${key} is missing`);
    this.name = "StoredFileMissingError";
  }
}

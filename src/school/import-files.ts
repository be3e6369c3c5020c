/**
 * What this process holds of the imports it created lately, between an import's steps
 * (proposal, preview, commit): the file's parsed pupils, so that each step does not read the
 * whole file back from the database, and each merge a preview worked out, so that the commit
 * does not work it out again. A file's pupils never change once its import is created, so a held
 * copy is never stale; a merge is reused only while the register pupil's row is the version it
 * was worked out from, or its record is still alike. An import not held (another process, a
 * restart) is read from the database. Callers must not change what they are given.
 */
import type { Pupil } from "../ctf/model.js";
import type { MergeRow } from "./merge.js";

/** A few imports in progress at once is the most a school has; each file may be megabytes. */
const HELD = 4;
/**
 * And at most this many bytes of files between them: held pupils take a few times their file's
 * size, so four 50 MB files would be gigabytes (an outside test's four parallel imports).
 */
export const HELD_FILE_BYTES = 60 * 1024 * 1024;

export interface HeldMerge {
  /** The register pupil's record it was worked out from, and that row's version. */
  register: Pupil;
  version: string;
  result: { record: Pupil; rows: MergeRow[] };
}

interface Held {
  pupils: readonly Pupil[];
  merges: Map<string, HeldMerge>;
  fileBytes: number;
}

export class ImportFiles {
  private readonly held = new Map<string, Held>();

  constructor(private readonly maxFileBytes = HELD_FILE_BYTES) {}

  get(id: string): readonly Pupil[] | undefined {
    return this.held.get(id)?.pupils;
  }

  /** Holds a file's pupils, the oldest let go to stay within the count and the bytes. */
  set(id: string, pupils: readonly Pupil[], fileBytes: number): void {
    this.held.delete(id);
    if (fileBytes > this.maxFileBytes) return;
    this.held.set(id, { pupils, merges: new Map(), fileBytes });
    let bytes = 0;
    for (const h of this.held.values()) bytes += h.fileBytes;
    for (const [oldest, h] of this.held) {
      if (this.held.size <= HELD && bytes <= this.maxFileBytes) break;
      this.held.delete(oldest);
      bytes -= h.fileBytes;
    }
  }

  /** How many files, and how many of their bytes, are held now. */
  size(): { files: number; fileBytes: number } {
    let fileBytes = 0;
    for (const h of this.held.values()) fileBytes += h.fileBytes;
    return { files: this.held.size, fileBytes };
  }

  merge(id: string, key: string): HeldMerge | undefined {
    return this.held.get(id)?.merges.get(key);
  }

  /** Kept only for an import whose file is held: the file's side of the merge is then fixed. */
  keepMerge(id: string, key: string, merge: HeldMerge): void {
    this.held.get(id)?.merges.set(key, merge);
  }

  drop(id: string): void {
    this.held.delete(id);
  }
}

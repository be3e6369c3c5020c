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

export interface HeldMerge {
  /** The register pupil's record it was worked out from, and that row's version. */
  register: Pupil;
  version: string;
  result: { record: Pupil; rows: MergeRow[] };
}

interface Held {
  pupils: readonly Pupil[];
  merges: Map<string, HeldMerge>;
}

export class ImportFiles {
  private readonly held = new Map<string, Held>();

  get(id: string): readonly Pupil[] | undefined {
    return this.held.get(id)?.pupils;
  }

  set(id: string, pupils: readonly Pupil[]): void {
    this.held.delete(id);
    this.held.set(id, { pupils, merges: new Map() });
    for (const oldest of this.held.keys()) {
      if (this.held.size <= HELD) break;
      this.held.delete(oldest);
    }
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

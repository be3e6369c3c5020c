/**
 * The parsed pupils of the imports this process created lately, kept between an import's steps
 * (proposal, preview, commit) so that each step does not read the whole file back from the
 * database. A file's pupils never change once its import is created, so a held copy is never
 * stale; one not held (another process, a restart) is read from the database as before.
 * Callers must not change what they are given.
 */
import type { Pupil } from "../ctf/model.js";

/** A few imports in progress at once is the most a school has; each file may be megabytes. */
const HELD = 4;

export class ImportFiles {
  private readonly held = new Map<string, readonly Pupil[]>();

  get(id: string): readonly Pupil[] | undefined {
    return this.held.get(id);
  }

  set(id: string, pupils: readonly Pupil[]): void {
    this.held.delete(id);
    this.held.set(id, pupils);
    for (const oldest of this.held.keys()) {
      if (this.held.size <= HELD) break;
      this.held.delete(oldest);
    }
  }

  drop(id: string): void {
    this.held.delete(id);
  }
}

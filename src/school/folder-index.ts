/**
 * What this process knows of the CTFs in the data exchange folder: each file's sender, pupil
 * count and hash, kept while its size and time are unchanged. Listing the folder (the Import
 * page, the incoming API) then costs a directory read and a stat a file; only a file that is new
 * or changed is read and parsed, instead of every file on every load.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseCtfFileName } from "../ctf/filename.js";
import { readCtf } from "../ctf/read.js";
import { sha256 } from "../platform/accounts/secrets.js";

import { MAX_CTF_BYTES } from "./config.js";

export interface FolderEntry {
  fileName: string;
  from: { laestab: string; name: string | null };
  pupils: number;
  sha256: string;
  modifiedAt: Date;
}

interface Known extends FolderEntry {
  size: number;
  mtimeMs: number;
}

export class FolderIndex {
  private readonly known = new Map<string, Known>();
  /** Files read and parsed since this index was made: what the index saves is these. */
  reads = 0;

  /** This school's CTFs in `folder`; undefined when the folder cannot be read. */
  async list(folder: string, laestab: string): Promise<FolderEntry[] | undefined> {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return undefined;
    }
    const seen = new Set<string>();
    const entries: FolderEntry[] = [];
    for (const name of names) {
      const parsed = parseCtfFileName(name);
      if (!parsed.ok || parsed.name.destination !== laestab) continue;
      const path = join(folder, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || info.size > MAX_CTF_BYTES) continue;
      seen.add(path);
      let entry = this.known.get(path);
      if (!entry || entry.size !== info.size || entry.mtimeMs !== info.mtimeMs) {
        const bytes = await readFile(path).catch(() => undefined);
        if (!bytes) continue;
        this.reads++;
        const read = await readCtf(new Uint8Array(bytes), { fileName: name });
        const src = read.header?.sourceSchool;
        entry = {
          fileName: name,
          from: {
            laestab: src ? `${src.lea ?? ""}${src.estab ?? ""}` : parsed.name.source,
            name: src?.schoolName ?? null,
          },
          pupils: read.pupilCount,
          sha256: sha256(bytes),
          modifiedAt: info.mtime,
          size: info.size,
          mtimeMs: info.mtimeMs,
        };
        this.known.set(path, entry);
      }
      const { size: _s, mtimeMs: _m, ...shown } = entry;
      entries.push(shown);
    }
    // Files gone from this folder are forgotten (and a folder no longer set, with them).
    for (const path of this.known.keys()) if (!seen.has(path)) this.known.delete(path);
    return entries;
  }
}

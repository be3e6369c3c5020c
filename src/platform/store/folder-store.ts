/**
 * Blobs as files in a local folder, sharded by the key's first two characters. A blob is written
 * to a temporary name, flushed to disk, then renamed into place: a crash leaves no half file
 * under a real key, only a temporary one that `sweepTemporary` removes.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, open, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type BlobStore,
  type ByteSource,
  checkKey,
  chunksOf,
  StoredFileMissingError,
} from "./blob-store.js";

const PROBE = Buffer.alloc(16 * 1024);

export class FolderBlobStore implements BlobStore {
  // Folders made by this process: each is made once, not once per file.
  private readonly made = new Set<string>();

  constructor(private readonly dir: string) {}

  /** Writable, with room: a small probe is written and removed (a full disk only fails a write). */
  async ready(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await access(this.dir, constants.W_OK);
    const tmpDir = join(this.dir, "tmp");
    await mkdir(tmpDir, { recursive: true });
    const probe = join(tmpDir, `ready-${randomBytes(8).toString("hex")}.probe`);
    try {
      await writeFile(probe, PROBE);
    } finally {
      await rm(probe, { force: true });
    }
  }

  private path(key: string): string {
    return join(this.dir, checkKey(key).slice(0, 2), `${key}.enc`);
  }

  async put(key: string, source: ByteSource): Promise<{ bytes: number }> {
    const path = this.path(key);
    const tmpDir = join(this.dir, "tmp");
    await this.folder(tmpDir);
    await this.folder(join(this.dir, key.slice(0, 2)));
    const tmp = join(tmpDir, `${key}.${randomBytes(4).toString("hex")}`);
    const file = await open(tmp, "wx", 0o600);
    let bytes = 0;
    try {
      for await (const chunk of chunksOf(source)) {
        await file.write(chunk);
        bytes += chunk.length;
      }
      await file.sync();
    } catch (e) {
      await file.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await file.close();
    await rename(tmp, path);
    return { bytes };
  }

  private async folder(path: string): Promise<void> {
    if (this.made.has(path)) return;
    await mkdir(path, { recursive: true });
    this.made.add(path);
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    try {
      const file = await open(this.path(key), "r");
      return file.createReadStream({ highWaterMark: 256 * 1024 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new StoredFileMissingError(key);
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async list(olderThan: Date): Promise<string[]> {
    const keys: string[] = [];
    let shards: string[];
    try {
      shards = await readdir(this.dir);
    } catch {
      return keys;
    }
    for (const shard of shards) {
      if (shard === "tmp") continue;
      for (const name of await readdir(join(this.dir, shard))) {
        if (!name.endsWith(".enc")) continue;
        // Deleted since the folder was read (by another worker's sweep, say): not there to list.
        const s = await stat(join(this.dir, shard, name)).catch(missingIsUndefined);
        if (s && s.mtime < olderThan) keys.push(name.slice(0, -4));
      }
    }
    return keys;
  }

  /** Removes temporary files a crash left behind. */
  async sweepTemporary(olderThan: Date): Promise<number> {
    let removed = 0;
    const tmpDir = join(this.dir, "tmp");
    let names: string[] = [];
    try {
      names = await readdir(tmpDir);
    } catch {
      return 0;
    }
    for (const name of names) {
      const s = await stat(join(tmpDir, name)).catch(missingIsUndefined);
      if (s && s.mtime < olderThan) {
        await rm(join(tmpDir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }
}

function missingIsUndefined(e: unknown): undefined {
  if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw e;
}

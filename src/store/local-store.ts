/**
 * Files on local disk, each encrypted with AES-256-GCM under a key of its own, that key wrapped
 * by the master key. A file is written to a temporary name and renamed into place, so a crash
 * leaves no half file under a real key, only a temporary one that `sweepTemporary` removes.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type FileStore, StoredFileMissingError } from "./store.js";

const MAGIC = Buffer.from("S2SF1");
const IV = 12;
const TAG = 16;
const SAFE_KEY = /^[A-Za-z0-9-]{8,64}$/;

function seal(key: Buffer, plain: Uint8Array): Buffer {
  const iv = randomBytes(IV);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, sealed: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV));
  decipher.setAuthTag(sealed.subarray(IV, IV + TAG));
  return Buffer.concat([decipher.update(sealed.subarray(IV + TAG)), decipher.final()]);
}

export class LocalEncryptedStore implements FileStore {
  // Folders made by this process: each is made once, not once per file.
  private readonly made = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly masterKey: Buffer,
  ) {}

  private path(key: string): string {
    if (!SAFE_KEY.test(key)) throw new Error(`not a store key: ${key}`);
    return join(this.dir, key.slice(0, 2), `${key}.enc`);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const fileKey = randomBytes(32);
    const wrapped = seal(this.masterKey, fileKey);
    const sealed = seal(fileKey, bytes);
    const header = Buffer.alloc(2);
    header.writeUInt16BE(wrapped.length);
    const path = this.path(key);
    const tmpDir = join(this.dir, "tmp");
    await this.folder(tmpDir);
    await this.folder(join(this.dir, key.slice(0, 2)));
    const tmp = join(tmpDir, `${key}.${randomBytes(4).toString("hex")}`);
    await writeFile(tmp, Buffer.concat([MAGIC, header, wrapped, sealed]), {
      mode: 0o600,
      flush: true,
    });
    await rename(tmp, path);
  }

  private async folder(path: string): Promise<void> {
    if (this.made.has(path)) return;
    await mkdir(path, { recursive: true });
    this.made.add(path);
  }

  async get(key: string): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readFile(this.path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new StoredFileMissingError(key);
      throw e;
    }
    if (!data.subarray(0, MAGIC.length).equals(MAGIC))
      throw new Error(`stored file ${key} is not ours`);
    const wrappedLength = data.readUInt16BE(MAGIC.length);
    const start = MAGIC.length + 2;
    const fileKey = open(this.masterKey, data.subarray(start, start + wrappedLength));
    return open(fileKey, data.subarray(start + wrappedLength));
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
        const s = await stat(join(this.dir, shard, name));
        if (s.mtime < olderThan) keys.push(name.slice(0, -4));
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
      const s = await stat(join(tmpDir, name));
      if (s.mtime < olderThan) {
        await unlink(join(tmpDir, name));
        removed++;
      }
    }
    return removed;
  }
}

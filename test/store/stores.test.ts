import { createCipheriv, randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readAll } from "../../src/platform/store/blob-store.js";
import {
  EncryptedStore,
  rewrapFileKey,
  StoredFileDamagedError,
} from "../../src/platform/store/encrypted-store.js";
import { FolderBlobStore } from "../../src/platform/store/folder-store.js";
import { loadMasterKey, MasterKeyMissingError } from "../../src/platform/store/master-key.js";
import { S3BlobStore } from "../../src/platform/store/s3-store.js";
import { startTestS3, type TestS3 } from "../helpers/s3.js";
import { blobStoreContract } from "./blob-store-contract.js";

const folder = async () => {
  const dir = await mkdtemp(join(tmpdir(), "s2s-store-"));
  return { dir, blobs: new FolderBlobStore(join(dir, "files")) };
};

const encrypted = async () => {
  const { dir, blobs } = await folder();
  const key = loadMasterKey({ dataDir: dir, demo: true });
  return { dir, blobs, key, store: new EncryptedStore(blobs, key) };
};

blobStoreContract("the folder store", async () => (await folder()).blobs);
blobStoreContract(
  "the encrypting store over the folder store",
  async () => (await encrypted()).store,
);

// Each S3 store gets a prefix of its own in one server's bucket: the contract's "empty store".
let s3: TestS3 | undefined;
const s3Store = async () => {
  s3 ??= await startTestS3();
  return new S3BlobStore({ ...s3.options, prefix: `${randomUUID()}/` });
};
afterAll(async () => {
  await s3?.stop();
});
blobStoreContract("the S3 store", s3Store);
blobStoreContract(
  "the encrypting store over the S3 store",
  async () => new EncryptedStore(await s3Store(), randomBytes(32)),
);

const onDisk = (dir: string, key: string) => join(dir, "files", key.slice(0, 2), `${key}.enc`);

function sealWhole(key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]);
}

describe("the encrypting store", () => {
  it("keeps no plaintext on disk, and its key file is its owner's alone", async () => {
    const { dir, store } = await encrypted();
    const secret = Buffer.from("<Surname>Zebedee-Quigley</Surname>".repeat(10_000));
    const key = randomUUID();
    await store.put(key, secret);
    const bytes = await readFile(onDisk(dir, key));
    expect(bytes.includes(Buffer.from("Zebedee"))).toBe(false);
    expect((await readAll(await store.get(key))).equals(secret)).toBe(true);
    expect((await stat(join(dir, "master.key"))).mode & 0o777).toBe(0o600);
  });

  it("refuses a changed byte, a file cut short, chunks swapped, and a wrong master key", async () => {
    const { dir, store, blobs } = await encrypted();
    const plain = randomBytes(200_000); // four chunks
    const key = randomUUID();
    await store.put(key, plain);
    const good = await readFile(onDisk(dir, key));
    const readBack = async () => readAll(await store.get(key));

    const flipped = Buffer.from(good);
    flipped[flipped.length - 100] = (flipped[flipped.length - 100] ?? 0) ^ 1;
    await writeFile(onDisk(dir, key), flipped);
    await expect(readBack()).rejects.toThrow(StoredFileDamagedError);

    // Cut at a chunk boundary: every chunk left is whole and authentic, but the last is missing.
    const header = 5 + 2 + 60 + 7;
    const chunk = 4 + 65_536 + 16;
    await writeFile(onDisk(dir, key), good.subarray(0, header + 2 * chunk));
    await expect(readBack()).rejects.toThrow(/ends before its last chunk/);

    const swapped = Buffer.concat([
      good.subarray(0, header),
      good.subarray(header + chunk, header + 2 * chunk),
      good.subarray(header, header + chunk),
      good.subarray(header + 2 * chunk),
    ]);
    await writeFile(onDisk(dir, key), swapped);
    await expect(readBack()).rejects.toThrow(StoredFileDamagedError);

    // The first chunk passed off as the last, and the rest cut: the nonce knows better.
    const early = Buffer.from(good.subarray(0, header + chunk));
    early.writeUInt32BE(0x8000_0000 + 65_536, header);
    await writeFile(onDisk(dir, key), early);
    await expect(readBack()).rejects.toThrow(/fails its check/);

    await writeFile(onDisk(dir, key), good);
    expect((await readBack()).equals(plain)).toBe(true);
    const other = new EncryptedStore(blobs, randomBytes(32));
    await expect(readAll(await other.get(key))).rejects.toThrow();
  });

  it.skipIf(!existsSync("/proc/self/fd"))(
    "closes the file however reading ends: a wrong key, a damaged chunk, a reader that stops",
    async () => {
      const { dir, store, blobs } = await encrypted();
      const key = randomUUID();
      await store.put(key, randomBytes(200_000));
      const path = onDisk(dir, key);
      // This process's open files that are this one (Linux's view of its descriptors).
      const openOnIt = async () => {
        const fds = await readdir("/proc/self/fd");
        const targets = await Promise.all(
          fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")),
        );
        return targets.filter((t) => t === path).length;
      };
      const other = new EncryptedStore(blobs, randomBytes(32));
      await expect(readAll(await other.get(key))).rejects.toThrow();
      expect(await openOnIt(), "after a wrong key").toBe(0);
      for await (const _first of await store.get(key)) break;
      expect(await openOnIt(), "after stopping early").toBe(0);
      const good = await readFile(path);
      await writeFile(path, Buffer.concat([good.subarray(0, 200), Buffer.alloc(100_000)]));
      await expect(readAll(await store.get(key))).rejects.toThrow(StoredFileDamagedError);
      expect(await openOnIt(), "after a damaged chunk").toBe(0);
      await writeFile(path, Buffer.from("not ours at all"));
      await expect(store.get(key)).rejects.toThrow(/is not ours/);
      expect(await openOnIt(), "after a file not ours").toBe(0);
    },
  );

  it("still reads files written whole before chunking (S2SF1)", async () => {
    const { dir, blobs, store, key: master } = await encrypted();
    const fileKey = randomBytes(32);
    const wrapped = sealWhole(master, fileKey);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(wrapped.length);
    const plain = Buffer.from("an old file");
    const key = randomUUID();
    await mkdir(dirname(onDisk(dir, key)), { recursive: true });
    await writeFile(
      onDisk(dir, key),
      Buffer.concat([Buffer.from("S2SF1"), length, wrapped, sealWhole(fileKey, plain)]),
    );
    expect((await readAll(await store.get(key))).equals(plain)).toBe(true);
    // Rotated like any other: the new key reads it, the old no longer does.
    const next = randomBytes(32);
    expect(await rewrapFileKey(blobs, key, master, next)).toBe(true);
    const under = (k: Buffer) => new EncryptedStore(blobs, k);
    expect((await readAll(await under(next).get(key))).equals(plain)).toBe(true);
    await expect(readAll(await under(master).get(key))).rejects.toThrow();
  });

  it("re-wraps a large file's key under a new master key, its content streamed through unchanged, once", async () => {
    const { blobs, store, key: master } = await encrypted();
    const plain = randomBytes(300 * 1024 + 17);
    const key = randomUUID();
    await store.put(key, plain);
    const sealed = await readAll(await blobs.get(key));
    const next = randomBytes(32);
    expect(await rewrapFileKey(blobs, key, master, next)).toBe(true);
    const rewrapped = await readAll(await blobs.get(key));
    // Only the wrapped key (just after magic and length) changed: the chunks are as they were.
    const headerEnd = 5 + 2 + sealed.readUInt16BE(5);
    expect(rewrapped.subarray(headerEnd).equals(sealed.subarray(headerEnd))).toBe(true);
    expect(rewrapped.subarray(0, headerEnd).equals(sealed.subarray(0, headerEnd))).toBe(false);
    expect((await readAll(await new EncryptedStore(blobs, next).get(key))).equals(plain)).toBe(
      true,
    );
    // Run again, it finds the work done; a third key it has never seen opens nothing.
    expect(await rewrapFileKey(blobs, key, master, next)).toBe(false);
    await expect(rewrapFileKey(blobs, key, randomBytes(32), randomBytes(32))).rejects.toThrow(
      /opens with neither the old nor the new master key/,
    );
  });

  it("takes the master key from S2S_MASTER_KEY, or says what is wrong with it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-key-"));
    const k = randomBytes(32);
    const fromEnv = loadMasterKey({ fromEnv: k.toString("base64"), dataDir: dir, demo: false });
    expect(fromEnv.equals(k)).toBe(true);
    expect(() => loadMasterKey({ fromEnv: "c2hvcnQ=", dataDir: dir, demo: false })).toThrow(
      /32 bytes/,
    );
  });

  it("keeps the master key apart from the data, except for a demo", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-key-"));
    const data = join(dir, "data");
    // Production without a key refuses, saying what to set.
    expect(() => loadMasterKey({ dataDir: data, demo: false })).toThrow(MasterKeyMissingError);
    expect(() => loadMasterKey({ dataDir: data, demo: false })).toThrow(/S2S_MASTER_KEY_FILE/);
    // A key file outside the data folder is made on first use and read after.
    const outside = join(dir, "secrets", "s2s.key");
    const made = loadMasterKey({ keyFile: outside, dataDir: data, demo: false });
    expect(loadMasterKey({ keyFile: outside, dataDir: data, demo: false }).equals(made)).toBe(true);
    expect(() =>
      loadMasterKey({ keyFile: join(data, "master.key"), dataDir: data, demo: false }),
    ).toThrow(/inside the data folder/);
    // Nor through a link to the data folder: real paths are compared, both ways.
    await mkdir(data, { recursive: true });
    await symlink(data, join(dir, "data-link"));
    expect(() =>
      loadMasterKey({ keyFile: join(dir, "data-link", "k.key"), dataDir: data, demo: false }),
    ).toThrow(/inside the data folder/);
    expect(() =>
      loadMasterKey({ keyFile: join(data, "k.key"), dataDir: join(dir, "data-link"), demo: false }),
    ).toThrow(/inside the data folder/);
    // A demo keeps one in the data folder and marks the folder as demo data, which later
    // commands on it (without --demo) then accept.
    const demo = loadMasterKey({ dataDir: data, demo: true });
    expect(await readFile(join(data, "DEMO-DATA"), "utf8")).toMatch(/demo data/);
    expect(loadMasterKey({ dataDir: data, demo: false }).equals(demo)).toBe(true);
    // A production folder holding an old local key is told to move it.
    const old = join(dir, "old");
    loadMasterKey({ dataDir: old, demo: true });
    await rm(join(old, "DEMO-DATA"));
    expect(() => loadMasterKey({ dataDir: old, demo: false })).toThrow(/Move it somewhere else/);
  });
});

describe("the folder store", () => {
  it("sweeps temporary files a crash left behind", async () => {
    const { dir, blobs } = await folder();
    await blobs.put(randomUUID(), Buffer.from("a"));
    const tmp = join(dir, "files", "tmp", "crashed.partial");
    await writeFile(tmp, "half a file");
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(tmp, old, old);
    expect(await blobs.sweepTemporary(new Date(Date.now() - 3600_000))).toBe(1);
    expect(await readdir(join(dir, "files", "tmp"))).toEqual([]);
  });
});

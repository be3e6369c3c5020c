import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalEncryptedStore } from "../../src/store/local-store.js";
import { loadMasterKey } from "../../src/store/master-key.js";
import { StoredFileMissingError } from "../../src/store/store.js";

const setup = async () => {
  const dir = await mkdtemp(join(tmpdir(), "s2s-store-"));
  const key = loadMasterKey(undefined, join(dir, "master.key"));
  return { dir, key, store: new LocalEncryptedStore(join(dir, "files"), key) };
};

describe("the encrypted file store", () => {
  it("keeps no plaintext on disk and gives back the exact bytes", async () => {
    const { dir, store } = await setup();
    const secret = Buffer.from("<Surname>Zebedee-Quigley</Surname>".repeat(100));
    const key = randomUUID();
    await store.put(key, secret);
    const onDisk = await readFile(join(dir, "files", key.slice(0, 2), `${key}.enc`));
    expect(onDisk.includes(Buffer.from("Zebedee"))).toBe(false);
    expect((await store.get(key)).equals(secret)).toBe(true);
    expect((await stat(join(dir, "master.key"))).mode & 0o777).toBe(0o600);
  });

  it("refuses a tampered file, a wrong master key and a missing file", async () => {
    const { dir, store } = await setup();
    const key = randomUUID();
    await store.put(key, Buffer.from("hello pupils"));
    const path = join(dir, "files", key.slice(0, 2), `${key}.enc`);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await writeFile(path, bytes);
    await expect(store.get(key)).rejects.toThrow();
    const other = new LocalEncryptedStore(join(dir, "files"), randomBytes(32));
    const key2 = randomUUID();
    await store.put(key2, Buffer.from("x"));
    await expect(other.get(key2)).rejects.toThrow();
    await expect(store.get(randomUUID())).rejects.toBeInstanceOf(StoredFileMissingError);
    await expect(store.get("../../etc/passwd")).rejects.toThrow(/not a store key/);
  });

  it("takes the master key from S2S_MASTER_KEY, or says what is wrong with it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-key-"));
    const k = randomBytes(32);
    expect(loadMasterKey(k.toString("base64"), join(dir, "unused")).equals(k)).toBe(true);
    expect(() => loadMasterKey("c2hvcnQ=", join(dir, "unused"))).toThrow(/32 bytes/);
    // The key file made on first run is the one used on the next.
    const first = loadMasterKey(undefined, join(dir, "master.key"));
    expect(loadMasterKey(undefined, join(dir, "master.key")).equals(first)).toBe(true);
  });

  it("sweeps temporary files a crash left, and lists files by age", async () => {
    const { dir, store } = await setup();
    await store.put(randomUUID(), Buffer.from("a"));
    const tmp = join(dir, "files", "tmp", "crashed.partial");
    await writeFile(tmp, "half a file");
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(tmp, old, old);
    expect(await store.sweepTemporary(new Date(Date.now() - 3600_000))).toBe(1);
    expect(await readdir(join(dir, "files", "tmp"))).toEqual([]);
    expect(await store.list(new Date(Date.now() + 1000))).toHaveLength(1);
    expect(await store.list(new Date(Date.now() - 60_000))).toHaveLength(0);
  });
});

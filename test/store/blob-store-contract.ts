/**
 * What every blob store must do, whatever keeps the bytes: run `blobStoreContract` with a way to
 * make an empty store. The folder store, the encrypting store over it, and any object store
 * added later all pass the same suite.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type BlobStore,
  readAll,
  StoredFileMissingError,
} from "../../src/platform/store/blob-store.js";

async function* pieces(bytes: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export function blobStoreContract(name: string, make: () => Promise<BlobStore>): void {
  describe(`${name}: the blob store contract`, () => {
    it("says it is ready when it can be written to", async () => {
      await expect(make().then((store) => store.ready())).resolves.toBeUndefined();
    });

    it("gives back exactly the bytes put, whole or streamed in pieces of any size", async () => {
      const store = await make();
      for (const size of [0, 1, 65_535, 65_536, 65_537, 300_001]) {
        const bytes = randomBytes(size);
        const whole = randomUUID();
        await store.put(whole, bytes);
        expect((await readAll(await store.get(whole))).equals(bytes), `${size} whole`).toBe(true);
        const streamed = randomUUID();
        await store.put(streamed, pieces(bytes, 7_777));
        expect((await readAll(await store.get(streamed))).equals(bytes), `${size}`).toBe(true);
      }
    });

    it("keeps nothing when the source fails part-way, and throws its error", async () => {
      const store = await make();
      const key = randomUUID();
      async function* failing(): AsyncIterable<Uint8Array> {
        yield randomBytes(100_000);
        throw new Error("the client went away");
      }
      await expect(store.put(key, failing())).rejects.toThrow("the client went away");
      await expect(store.get(key)).rejects.toBeInstanceOf(StoredFileMissingError);
      expect(await store.list(new Date(Date.now() + 60_000))).not.toContain(key);
    });

    it("streams a file of many megabytes both ways, and keeps none of one that fails late", async () => {
      const store = await make();
      // Past the 5 MiB an object store sends in one part: several parts, then the last.
      const bytes = randomBytes(12 * 1024 * 1024 + 5);
      const key = randomUUID();
      await store.put(key, pieces(bytes, 1024 * 1024));
      expect((await readAll(await store.get(key))).equals(bytes)).toBe(true);
      const late = randomUUID();
      async function* failingLate(): AsyncIterable<Uint8Array> {
        yield* pieces(bytes, 1024 * 1024);
        throw new Error("the client went away at the end");
      }
      await expect(store.put(late, failingLate())).rejects.toThrow("went away at the end");
      await expect(store.get(late)).rejects.toBeInstanceOf(StoredFileMissingError);
    });

    it("says a key is missing, deletes twice without error, and refuses keys not ours", async () => {
      const store = await make();
      const key = randomUUID();
      await expect(store.get(key)).rejects.toBeInstanceOf(StoredFileMissingError);
      await store.put(key, Buffer.from("x"));
      await store.delete(key);
      await store.delete(key);
      await expect(store.get(key)).rejects.toBeInstanceOf(StoredFileMissingError);
      await expect(store.get("../../etc/passwd")).rejects.toThrow(/not a store key/);
      await expect(store.put("a/b", Buffer.from("x"))).rejects.toThrow(/not a store key/);
    });

    it("lists while another process deletes, without failing on what went meanwhile", async () => {
      const store = await make();
      // One prefix, so that a store sharding by it lists them all from one place.
      const keys = Array.from({ length: 200 }, () => `aa${randomUUID().slice(2)}`);
      for (const key of keys) await store.put(key, Buffer.from("x"));
      const later = new Date(Date.now() + 60_000);
      const listing = store.list(later);
      await new Promise((resolve) => setImmediate(resolve));
      const [listed] = await Promise.all([
        listing,
        Promise.all(keys.map((key) => store.delete(key))),
      ]);
      for (const key of listed) expect(keys).toContain(key);
      expect(await store.list(later)).toEqual([]);
    });

    it("lists keys by age, for the orphan sweep", async () => {
      const store = await make();
      const key = randomUUID();
      await store.put(key, Buffer.from("a"));
      expect(await store.list(new Date(Date.now() + 1000))).toEqual([key]);
      expect(await store.list(new Date(Date.now() - 60_000))).toEqual([]);
    });
  });
}

/**
 * An import's file is hashed and packed as it is read, never held whole: what is stored must
 * still unpack to the bytes exactly as they came, and hash as the whole file does.
 */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { packingAsRead, unpackFile } from "../../src/school/stored-file.js";

async function* chunksOf(bytes: Buffer, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("a file packed as it is read", () => {
  it("unpacks to the same bytes and hashes as the whole file does", async () => {
    // Text repeats (a CTF packs to a tenth); random bytes do not: both must come back exact.
    const file = Buffer.concat([
      Buffer.from("<Pupil><Surname>Example</Surname></Pupil>\n".repeat(40_000)),
      randomBytes(300_000),
    ]);
    const packing = packingAsRead(chunksOf(file, 65_536));
    let passed = 0;
    for await (const chunk of packing.chunks) passed += chunk.byteLength;
    const read = await packing.read();
    expect(passed).toBe(file.length);
    expect(read.bytes).toBe(file.length);
    expect(read.sha256).toBe(createHash("sha256").update(file).digest("hex"));
    expect(read.packed.length).toBeLessThan(file.length / 2);
    expect(Buffer.from(await unpackFile(read.packed)).equals(file)).toBe(true);
  });

  it("lets the packing go when the reader stops early, and will not say a size it never saw", async () => {
    const packing = packingAsRead(chunksOf(Buffer.alloc(1_000_000, 65), 1000));
    for await (const _ of packing.chunks) break;
    await expect(packing.read()).rejects.toThrow("before the last chunk");
  });
});

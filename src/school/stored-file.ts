/**
 * An import's file as the database keeps it: the bytes as they came, compressed. Brotli at its
 * fastest setting takes a 1.6 MB CTF to under a tenth in a millisecond or two, on the thread pool
 * (beside the file's parsing); the file is read back only by a process that did not make the
 * import (import-files.ts holds it meanwhile).
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { promisify } from "node:util";
import { brotliDecompress, constants, createBrotliCompress } from "node:zlib";

const decompress = promisify(brotliDecompress);

export async function unpackFile(stored: Uint8Array): Promise<Uint8Array> {
  return decompress(stored);
}

/** What a file read chunk by chunk came to: its size, its SHA-256 (hex) and its packed bytes. */
export interface ReadFile {
  bytes: number;
  sha256: string;
  packed: Uint8Array;
}

/**
 * Passes a file's chunks on while hashing and packing them as they go, so that a file read as it
 * arrives (a hub download, a folder file) is never held whole beside its parsed pupils; `read()`
 * after the last chunk has passed. A reader that stops early lets the packing go.
 */
export function packingAsRead(source: AsyncIterable<Uint8Array>): {
  chunks: AsyncGenerator<Uint8Array>;
  read(): Promise<ReadFile>;
} {
  const hash = createHash("sha256");
  const packer = createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
  const packed: Buffer[] = [];
  packer.on("data", (c: Buffer) => packed.push(c));
  const ended = once(packer, "end");
  // Awaited by read(); a reader that stopped early never asks.
  ended.catch(() => {});
  let bytes = 0;
  let done = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source) {
        bytes += chunk.byteLength;
        hash.update(chunk);
        // Packing keeps pace with reading rather than queueing the file in front of it.
        if (!packer.write(chunk)) await once(packer, "drain");
        yield chunk;
      }
      done = true;
      packer.end();
    } finally {
      if (!done) packer.destroy();
    }
  }
  return {
    chunks: chunks(),
    async read() {
      if (!done) throw new Error("packingAsRead: read() before the last chunk");
      await ended;
      return { bytes, sha256: hash.digest("hex"), packed: Buffer.concat(packed) };
    },
  };
}

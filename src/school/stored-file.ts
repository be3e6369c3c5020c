/**
 * An import's file as the database keeps it: the bytes as they came, compressed. Brotli at its
 * fastest setting takes a 1.6 MB CTF to under a tenth in a millisecond or two, on the thread pool
 * (beside the file's parsing); the file is read back only by a process that did not make the
 * import (import-files.ts holds it meanwhile).
 */
import { promisify } from "node:util";
import { brotliCompress, brotliDecompress, constants } from "node:zlib";

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

export async function packFile(bytes: Uint8Array): Promise<Uint8Array> {
  return compress(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 1,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

export async function unpackFile(stored: Uint8Array): Promise<Uint8Array> {
  return decompress(stored);
}

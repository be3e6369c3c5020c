/**
 * Encryption at rest over any blob store. Each blob has a key of its own (AES-256-GCM), wrapped
 * by the master key, and is sealed in 64 KiB chunks as it streams, so a file of any size is
 * written and read in constant memory. Each chunk's nonce carries its number and whether it is
 * the last, so chunks cannot be reordered, dropped or the file cut short without the read
 * failing.
 *
 *   "S2SF2" | u16 wrapped-key length | wrapped key (iv, tag, key) | 7-byte nonce prefix
 *   then per chunk: u32 (top bit: the last chunk; the rest: its length) | sealed bytes | tag
 *
 * The last-chunk bit is in the nonce too, so flipping it in the header fails the chunk's check.
 * Reading decrypts each piece as it arrives and copies nothing it need not: a large file
 * streams through in bounded memory and makes little garbage.
 *
 * Files written before chunking ("S2SF1": one GCM seal over the whole file) are still read.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { type BlobStore, type ByteSource, chunksOf } from "./blob-store.js";

const MAGIC_V1 = Buffer.from("S2SF1");
const MAGIC_V2 = Buffer.from("S2SF2");
const IV = 12;
const TAG = 16;
const PREFIX = 7;
const CHUNK = 64 * 1024;

function seal(key: Buffer, plain: Uint8Array): Buffer {
  const iv = randomBytes(IV);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function unseal(key: Buffer, sealed: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV));
  decipher.setAuthTag(sealed.subarray(IV, IV + TAG));
  return Buffer.concat([decipher.update(sealed.subarray(IV + TAG)), decipher.final()]);
}

function nonce(prefix: Buffer, counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(IV);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, PREFIX);
  n[IV - 1] = last ? 1 : 0;
  return n;
}

const LAST = 0x8000_0000;

function sealChunk(key: Buffer, prefix: Buffer, counter: number, last: boolean, plain: Buffer) {
  const cipher = createCipheriv("aes-256-gcm", key, nonce(prefix, counter, last));
  const body = cipher.update(plain);
  cipher.final(); // GCM writes nothing more; this makes the tag
  const head = Buffer.alloc(4);
  head.writeUInt32BE((last ? LAST : 0) + body.length);
  return Buffer.concat([head, body, cipher.getAuthTag()]);
}

export class StoredFileDamagedError extends Error {
  constructor(why: string) {
    super(`stored file cannot be read: ${why}`);
    this.name = "StoredFileDamagedError";
  }
}

/** A Buffer over the same memory: no copy. */
const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** Reads exact byte counts from a stream of chunks of any size. */
class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private buffered: Buffer[] = [];
  private size = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Takes the next chunk from the stream; false where it has ended. */
  private async pull(): Promise<boolean> {
    const next = await this.it.next();
    if (next.done) return false;
    // An empty chunk (some streams send them) is skipped, so a held chunk is never empty.
    if (next.value.byteLength > 0) this.buffered.push(asBuffer(next.value));
    this.size += next.value.byteLength;
    return true;
  }

  /** Exactly `n` bytes, or fewer only where the stream ends. */
  async read(n: number): Promise<Buffer> {
    while (this.size < n && (await this.pull()));
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    if (all === undefined) return Buffer.alloc(0);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return out;
  }

  /** Up to `n` bytes, as a view of what has arrived (no copy); empty where the stream ends. */
  async upTo(n: number): Promise<Buffer> {
    while (this.size === 0) if (!(await this.pull())) return Buffer.alloc(0);
    const first = this.buffered[0] as Buffer;
    const out = first.subarray(0, n);
    if (out.length === first.length) this.buffered.shift();
    else this.buffered[0] = first.subarray(out.length);
    this.size -= out.length;
    return out;
  }

  async rest(): Promise<Buffer> {
    while (await this.pull());
    return this.read(this.size);
  }

  /** Stops reading: the source (an open file) is closed now, not when it is collected. */
  async close(): Promise<void> {
    await this.it.return?.();
  }

  /** Everything not yet read, streamed as it arrives. */
  async *remaining(): AsyncIterable<Uint8Array> {
    yield* this.buffered.splice(0);
    this.size = 0;
    for (;;) {
      const next = await this.it.next();
      if (next.done) return;
      yield next.value;
    }
  }
}

/**
 * Re-wraps one stored file's own key under a new master key, leaving its sealed content as it
 * is: the header is rewritten and the rest streamed through, and the store's put replaces the
 * file whole or not at all. A file already under the new key is left alone, so a rotation that
 * stopped part-way is finished by running it again. Returns whether the file was rewritten.
 */
export async function rewrapFileKey(
  inner: BlobStore,
  key: string,
  from: Buffer,
  to: Buffer,
): Promise<boolean> {
  const reader = new ByteReader(await inner.get(key));
  const magic = await reader.read(MAGIC_V2.length);
  // Both versions begin the same way: magic, the wrapped key's length, the wrapped key.
  const length = await reader.read(2);
  const wrapped = await reader.read(length.length === 2 ? length.readUInt16BE(0) : 0);
  const done = opens(to, wrapped);
  if (done || !opens(from, wrapped)) {
    await reader.close();
    if (done) return false;
    throw new StoredFileDamagedError(
      !magic.equals(MAGIC_V1) && !magic.equals(MAGIC_V2)
        ? `${key} is not ours`
        : `${key} opens with neither the old nor the new master key`,
    );
  }
  const rewrapped = seal(to, unseal(from, wrapped));
  const newLength = Buffer.alloc(2);
  newLength.writeUInt16BE(rewrapped.length);
  async function* rewritten(): AsyncIterable<Uint8Array> {
    yield Buffer.concat([magic, newLength, rewrapped]);
    yield* reader.remaining();
  }
  await inner.put(key, rewritten());
  return true;
}

function opens(masterKey: Buffer, wrapped: Buffer): boolean {
  try {
    unseal(masterKey, wrapped);
    return true;
  } catch {
    return false;
  }
}

export class EncryptedStore implements BlobStore {
  constructor(
    private readonly inner: BlobStore,
    private readonly masterKey: Buffer,
  ) {}

  put(key: string, source: ByteSource): Promise<{ bytes: number }> {
    return this.inner.put(key, this.encrypt(source));
  }

  ready(): Promise<void> {
    return this.inner.ready();
  }

  private async *encrypt(source: ByteSource): AsyncIterable<Uint8Array> {
    const fileKey = randomBytes(32);
    const wrapped = seal(this.masterKey, fileKey);
    const prefix = randomBytes(PREFIX);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(wrapped.length);
    let header: Buffer | undefined = Buffer.concat([MAGIC_V2, length, wrapped, prefix]);
    let counter = 0;
    let pending: Buffer[] = [];
    let size = 0;
    for await (const piece of chunksOf(source)) {
      pending.push(asBuffer(piece));
      size += piece.length;
      if (size <= CHUNK) continue;
      // Joined once per piece that arrives, however many chunks it makes; at least one byte is
      // held back, so that the last chunk is known to be the last.
      const all = Buffer.concat(pending);
      let at = 0;
      for (; all.length - at > CHUNK; at += CHUNK) {
        const sealed = sealChunk(fileKey, prefix, counter++, false, all.subarray(at, at + CHUNK));
        yield header ? Buffer.concat([header, sealed]) : sealed;
        header = undefined;
      }
      pending = [all.subarray(at)];
      size = all.length - at;
    }
    const last = sealChunk(fileKey, prefix, counter, true, Buffer.concat(pending));
    yield header ? Buffer.concat([header, last]) : last;
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    const reader = new ByteReader(await this.inner.get(key));
    const magic = await reader.read(MAGIC_V2.length);
    if (magic.equals(MAGIC_V1)) return this.closing(reader, this.legacy(reader));
    if (!magic.equals(MAGIC_V2)) {
      await reader.close();
      throw new StoredFileDamagedError(`${key} is not ours`);
    }
    return this.closing(reader, this.decrypt(reader));
  }

  /**
   * The file closed however reading ends: a key that does not open it, a damaged chunk, or a
   * reader that stops early. Left to the garbage collector, each was an open file for a while.
   */
  private async *closing(reader: ByteReader, plain: AsyncIterable<Uint8Array>) {
    try {
      yield* plain;
    } finally {
      await reader.close();
    }
  }

  private async *legacy(reader: ByteReader): AsyncIterable<Uint8Array> {
    const data = await reader.rest();
    const wrappedLength = data.readUInt16BE(0);
    const fileKey = unseal(this.masterKey, data.subarray(2, 2 + wrappedLength));
    yield unseal(fileKey, data.subarray(2 + wrappedLength));
  }

  private async *decrypt(reader: ByteReader): AsyncIterable<Uint8Array> {
    const length = await reader.read(2);
    const wrapped = await reader.read(length.readUInt16BE(0));
    const fileKey = unseal(this.masterKey, wrapped);
    const prefix = await reader.read(PREFIX);
    for (let counter = 0; ; counter++) {
      const head = await reader.read(4);
      if (head.length < 4) throw new StoredFileDamagedError("it ends before its last chunk");
      const word = head.readUInt32BE(0);
      const last = word >= LAST;
      const size = word - (last ? LAST : 0);
      if (size > CHUNK) throw new StoredFileDamagedError("a chunk is too large");
      const decipher = createDecipheriv("aes-256-gcm", fileKey, nonce(prefix, counter, last));
      // Decrypted as it arrives; nothing is handed on until the chunk's tag has been checked.
      const plain: Buffer[] = [];
      for (let left = size; left > 0; ) {
        const piece = await reader.upTo(left);
        if (piece.length === 0) throw new StoredFileDamagedError("a chunk is cut short");
        plain.push(decipher.update(piece));
        left -= piece.length;
      }
      const tag = await reader.read(TAG);
      if (tag.length < TAG) throw new StoredFileDamagedError("a chunk is cut short");
      try {
        decipher.setAuthTag(tag);
        decipher.final();
      } catch {
        throw new StoredFileDamagedError("a chunk fails its check");
      }
      for (const bytes of plain) if (bytes.length > 0) yield bytes;
      if (last) {
        if ((await reader.read(1)).length > 0)
          throw new StoredFileDamagedError("there is more after its last chunk");
        return;
      }
    }
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  list(olderThan: Date): Promise<string[]> {
    return this.inner.list(olderThan);
  }

  sweepTemporary(olderThan: Date): Promise<number> {
    return this.inner.sweepTemporary(olderThan);
  }
}

/**
 * Blobs as objects in an S3 bucket (AWS, or any service speaking its API). An object appears
 * whole or not at all: a small one is one PUT, a large one a multipart upload of 5 MiB parts,
 * two at a time, completed only when the source has ended (so memory per upload stays near
 * 10 MiB, whatever the file's size), and aborted if the source fails. Reads stream the object.
 */
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import {
  type BlobStore,
  type ByteSource,
  checkKey,
  chunksOf,
  isStoreKey,
  StoredFileMissingError,
} from "./blob-store.js";

export interface S3StoreOptions {
  bucket: string;
  /** Keys are written under it ("s2s/" say), so one bucket can hold more than one service. */
  prefix?: string;
  /** An S3-compatible service's address; none: AWS. */
  endpoint?: string;
  /** Addresses as endpoint/bucket/key rather than bucket.endpoint/key (most S3-compatibles). */
  forcePathStyle?: boolean;
  region?: string;
  /** None: the SDK's own chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a role...). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const PART = 5 * 1024 * 1024;

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly options: S3StoreOptions) {
    const config: S3ClientConfig = {
      region: options.region ?? "us-east-1",
      forcePathStyle: options.forcePathStyle === true,
      // Recent SDKs add CRC32 checksums to every request, which many S3-compatible services
      // refuse; S3 itself needs them only where an operation requires one.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
    this.client = new S3Client(config);
    this.prefix = options.prefix ?? "";
  }

  private objectKey(key: string): string {
    return `${this.prefix}${checkKey(key)}`;
  }

  /** One cheap request: the bucket is there and these credentials may use it. */
  async ready(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
  }

  async put(key: string, source: ByteSource): Promise<{ bytes: number }> {
    const Key = this.objectKey(key);
    let bytes = 0;
    let failed: { error: unknown } | undefined;
    // The source's own error is what the caller must hear (a file too large, a client gone),
    // not the SDK's account of a body that ended early.
    async function* counted(): AsyncIterable<Uint8Array> {
      try {
        for await (const chunk of chunksOf(source)) {
          bytes += chunk.length;
          yield chunk;
        }
      } catch (error) {
        failed = { error };
        throw error;
      }
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key, Body: Readable.from(counted()) },
      partSize: PART,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      if (failed) throw failed.error;
      throw e;
    }
    if (failed) {
      // Completed from what came before the failure: not the file the caller meant.
      await this.delete(key);
      throw failed.error;
    }
    return { bytes };
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    try {
      const got = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }),
      );
      return got.Body as Readable;
    } catch (e) {
      if ((e as { name?: string }).name === "NoSuchKey") throw new StoredFileMissingError(key);
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }),
    );
  }

  /** Every key under the prefix written before `olderThan`: for moving or re-keying, not sweeping. */
  async list(olderThan: Date): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.prefix,
          ...(ContinuationToken ? { ContinuationToken } : {}),
        }),
      );
      for (const o of page.Contents ?? []) {
        const key = o.Key?.slice(this.prefix.length) ?? "";
        if (isStoreKey(key) && o.LastModified && o.LastModified < olderThan) keys.push(key);
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys;
  }

  /**
   * Aborts multipart uploads a crash left open (their parts are kept, and billed, until then).
   * A bucket lifecycle rule (AbortIncompleteMultipartUpload) does the same, and must where the
   * service cannot list uploads; this is for a bucket without one.
   */
  async sweepTemporary(olderThan: Date): Promise<number> {
    let aborted = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListMultipartUploadsCommand({
            Bucket: this.options.bucket,
            Prefix: this.prefix,
            ...(KeyMarker ? { KeyMarker } : {}),
            ...(UploadIdMarker ? { UploadIdMarker } : {}),
          }),
        )
        .catch((e: { name?: string }) => {
          // Some S3-compatible services cannot list uploads: their lifecycle rule must do it.
          if (e.name === "NotImplemented") return undefined;
          throw e;
        });
      if (!page) return aborted;
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated >= olderThan) continue;
        await this.client.send(
          new AbortMultipartUploadCommand({
            Bucket: this.options.bucket,
            Key: u.Key,
            UploadId: u.UploadId,
          }),
        );
        aborted++;
      }
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      UploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (KeyMarker);
    return aborted;
  }

  close(): void {
    this.client.destroy();
  }
}

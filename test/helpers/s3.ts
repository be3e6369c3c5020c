/**
 * A real S3 protocol server on loopback for the S3 store's tests: s3rver, keeping its objects in
 * a folder of its own. Each server has one bucket; stop it when done.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3StoreOptions } from "../../src/platform/store/s3-store.js";

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverServer;

// s3rver has no types and is CommonJS.
const S3rver = createRequire(import.meta.url)("s3rver") as S3rverClass;

export const S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface TestS3 {
  /** What an S3 store needs to reach this server's bucket. */
  options: S3StoreOptions;
  /** As the hub's environment says it (S2S_STORE=s3 and the rest). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startTestS3(bucket = "s2s-test"): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "s2s-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    options: {
      bucket,
      endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: S3_CREDENTIALS,
    },
    env: {
      S2S_STORE: "s3",
      S2S_S3_BUCKET: bucket,
      S2S_S3_ENDPOINT: endpoint,
      S2S_S3_FORCE_PATH_STYLE: "1",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A hub that started on a folder moves to a bucket: `s2s hub admin store migrate --to s3` copies
 * every file as stored, checked by its hash, resumes where it stopped, and the hub then serves
 * the same files from the bucket.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { configFromEnv, type HubConfig } from "../../src/hub/config.js";
import { type RunningHub, startHub } from "../../src/hub/service.js";
import { createToken } from "../../src/hub/tokens.js";
import { readAll } from "../../src/platform/store/blob-store.js";
import { S3BlobStore } from "../../src/platform/store/s3-store.js";
import { eventually } from "../helpers/hub.js";
import { startTestS3, type TestS3 } from "../helpers/s3.js";

const KEY_FILE = join(tmpdir(), `s2s-migrate-${process.pid}-master.key`);

describe("s2s hub admin store migrate", () => {
  let dir: string;
  let s3: TestS3;
  const config = (extra: Partial<HubConfig> = {}) =>
    configFromEnv(
      { S2S_MASTER_KEY_FILE: KEY_FILE },
      { dataDir: dir, port: 0, pgliteTemplate: inject("hubPgliteTemplate"), ...extra },
    );

  /** The CLI as an operator runs it, with the bucket's settings in its environment. */
  async function migrate(...extra: string[]) {
    return migrateWith({}, ...extra);
  }

  /** As `migrate`, with these variables changed (undefined: unset). */
  async function migrateWith(changed: Record<string, string | undefined>, ...extra: string[]) {
    const saved = { ...process.env };
    Object.assign(process.env, s3.env, { S2S_MASTER_KEY_FILE: KEY_FILE });
    delete process.env.S2S_STORE;
    for (const [k, v] of Object.entries(changed))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    let out = "";
    let err = "";
    try {
      const code = await runCli(["hub", "admin", "store", "migrate", "--data", dir, ...extra], {
        out: (t) => (out += t),
        err: (t) => (err += t),
      });
      return { code, out, err };
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  }

  async function send(hub: RunningHub, seq: number) {
    const xml = writeCtf(
      generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: seq, now: new Date() }),
    );
    const name = `8231234_CTF_9382001_00${seq}.XML`;
    const r = await fetch(`${hub.url}/api/v1/transfers?filename=${name}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${(await createToken(hub.ctx, null, "brookfield")).token}`,
        "content-type": "application/xml",
      },
      body: xml,
    });
    expect(r.status).toBe(202);
    const { id } = (await r.json()) as { id: string };
    await eventually("the file to be checked", async () => {
      const row = await hub.ctx.db
        .selectFrom("transfers")
        .select(["status", "store_key"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return row.status === "available" ? row : undefined;
    });
    return { id, xml };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "s2s-migrate-"));
    s3 = await startTestS3();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it("copies a folder's files into the bucket, resumably, and the hub serves them from there", async () => {
    let hub = await startHub(config(), { demo: true });
    const sent = [await send(hub, 1), await send(hub, 2)];
    const keys = await hub.ctx.db.selectFrom("transfers").select("store_key").execute();
    await hub.stop();

    expect((await migrate("--to", "folder")).err).toContain("--to takes s3");
    // No bucket named, or one that is not there: said plainly, and nothing copied.
    const unnamed = await migrateWith({ S2S_S3_BUCKET: undefined }, "--to", "s3");
    expect(unnamed.code).not.toBe(0);
    expect(unnamed.err).toContain("S2S_S3_BUCKET must name the bucket");
    const missing = await migrateWith({ S2S_S3_BUCKET: "no-such-bucket" }, "--to", "s3");
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("cannot reach bucket no-such-bucket");
    const first = await migrate("--to", "s3");
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain(`copied 2 files into ${s3.options.bucket}; 0 were there already`);
    const again = await migrate("--to", "s3");
    expect(again.out).toContain("copied 0 files into s2s-test; 2 were there already");
    // A copy that is not the file (damaged, or cut short by a crash) is copied again.
    const bucket = new S3BlobStore(s3.options);
    await bucket.put(String(keys[0]?.store_key), randomBytes(100));
    const mended = await migrate("--to", "s3");
    expect(mended.out).toContain("copied 1 file into s2s-test; 1 was there already");
    // What the bucket holds is still ciphertext: the pupils' names are not in it.
    const stored = await readAll(await bucket.get(String(keys[1]?.store_key)));
    expect(stored.includes(Buffer.from("<Surname>"))).toBe(false);
    bucket.close();

    hub = await startHub(config({ store: { kind: "s3", ...s3.options } }), { role: "web" });
    try {
      const meadow = (await createToken(hub.ctx, null, "meadowlane")).token;
      const auth = { authorization: `Bearer ${meadow}` };
      for (const { id, xml } of sent) {
        await fetch(`${hub.url}/api/v1/transfers/${id}/accept`, { method: "POST", headers: auth });
        const got = await fetch(`${hub.url}/api/v1/transfers/${id}/content`, { headers: auth });
        expect(got.status).toBe(200);
        expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(xml))).toBe(true);
      }
    } finally {
      await hub.stop();
    }
  }, 120_000);
});

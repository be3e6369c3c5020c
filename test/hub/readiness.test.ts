/**
 * A load balancer asks /readyz whether this process can serve: its database and store answer,
 * and the store has room. An upload to a full disk is told so in words.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { filesDir } from "../../src/hub/config.js";
import { DATABASES } from "../helpers/db.js";
import { json, startTestHub, type TestHub, uploadCtf } from "../helpers/hub.js";
import { startTestS3 } from "../helpers/s3.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`readiness on ${target.name}`, () => {
    let t: TestHub;

    beforeAll(async () => {
      t = await startTestHub(target.name, { store: { kind: "folder" } });
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("answers 200 when the database and the store answer, and 503 naming the store when it cannot be written", async () => {
      const ok = await fetch(`${t.url}/readyz`);
      expect(ok.status).toBe(200);
      expect(await json(ok)).toEqual({ ready: true, database: "ok", store: "ok" });
      // The files folder replaced by a plain file: nothing can be stored there.
      const dir = filesDir(t.config);
      await rename(dir, `${dir}.away`);
      await writeFile(dir, "not a folder");
      try {
        const down = await fetch(`${t.url}/readyz`);
        expect(down.status).toBe(503);
        expect(await json(down)).toEqual({ ready: false, database: "ok", store: "unreachable" });
        // Liveness is another question: the process itself is still up.
        expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      } finally {
        await rm(dir);
        await rename(`${dir}.away`, dir);
      }
      expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    });
  });
}

describe("readiness on an S3 store", () => {
  it("answers 503 naming the store when the bucket cannot be reached", async () => {
    const s3 = await startTestS3();
    const t = await startTestHub("pglite", {
      store: { kind: "s3", ...s3.options, prefix: "hub/" },
    });
    try {
      const ok = await fetch(`${t.url}/readyz`);
      expect(await json(ok)).toEqual({ ready: true, database: "ok", store: "ok" });
      // Another bucket name: the service answers, but not for this one.
      const other = await startTestHub("pglite", {
        store: { kind: "s3", ...s3.options, bucket: "no-such-bucket" },
      });
      try {
        const missing = await fetch(`${other.url}/readyz`);
        expect(missing.status).toBe(503);
        expect(await json(missing)).toMatchObject({ ready: false, store: "unreachable" });
      } finally {
        await other.stop();
      }
      await s3.stop();
      const down = await fetch(`${t.url}/readyz`);
      expect(down.status).toBe(503);
      expect(await json(down)).toEqual({ ready: false, database: "ok", store: "unreachable" });
    } finally {
      await t.stop();
    }
  }, 90_000);
});

/** Whether this process may mount a small filesystem (root on Linux, as CI runs): a real full disk. */
function canMount(): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  return spawnSync("mount", ["--version"]).status === 0;
}

describe.skipIf(!canMount())("a full disk (a small tmpfs as the files folder)", () => {
  let t: TestHub;
  let files = "";

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "s2s-full-"));
    files = join(dataDir, "files");
    await mkdir(files);
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", files]);
    if (mounted.status !== 0) throw new Error(`mount failed: ${mounted.stderr}`);
    t = await startTestHub("pglite", { dataDir });
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
    spawnSync("umount", [files]);
  });

  it("answers 507 in words and keeps nothing, and readiness says the store cannot take files", async () => {
    // Filled to the last few kilobytes, as a disk fills.
    await writeFile(join(files, "filler"), Buffer.alloc(250 * 1024)).catch(() => {});
    const xml = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 20, seed: 1 }));
    const token = await t.token("brookfield");
    const r = await uploadCtf(t, token, "8231234_CTF_9382001_001.XML", xml);
    expect(r.status).toBe(507);
    expect((await json(r)).error).toMatchObject({
      code: "storage.full",
      message: expect.stringContaining("no room to store files"),
    });
    const kept = await t.hub.ctx.db.selectFrom("transfers").select("id").execute();
    expect(kept).toEqual([]);
    const down = await fetch(`${t.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await json(down)).toMatchObject({ ready: false, store: "unreachable" });

    // Room again: ready, and the same file goes.
    await rm(join(files, "filler"));
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    expect((await uploadCtf(t, token, "8231234_CTF_9382001_001.XML", xml)).status).toBe(202);
  });
});

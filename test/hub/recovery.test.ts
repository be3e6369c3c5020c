/**
 * A process that dies part-way through its work: what it held is taken up again soon, and what
 * it left behind is cleared, without anyone restarting anything by hand.
 */
import { mkdir, mkdtemp, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { configFromEnv, filesDir, type HubConfig } from "../../src/hub/config.js";
import { CHECK_UPLOAD } from "../../src/hub/jobs.js";
import { runRetention, sweepOrphans } from "../../src/hub/retention.js";
import { type RunningHub, startHub } from "../../src/hub/service.js";
import { createToken } from "../../src/hub/tokens.js";
import { DATABASES, freshPostgresUrl } from "../helpers/db.js";
import { eventually, json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";

const toMeadowLane = writeCtf(
  generateCtf({ from: "8231234", to: "9382001", pupils: 3, seed: 5, now: new Date() }),
);

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`recovery on ${target.name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    });

    async function hubConfig(): Promise<HubConfig> {
      const dataDir = await mkdtemp(join(tmpdir(), "s2s-recovery-"));
      const pg = target.name === "postgres" ? await freshPostgresUrl() : undefined;
      if (pg) cleanups.push(pg.drop);
      return configFromEnv(
        {},
        {
          dataDir,
          port: 0,
          pgliteTemplate: inject("hubPgliteTemplate"),
          ...(pg ? { databaseUrl: pg.url } : {}),
          // The production lease (20 s, looked for every 10 s), scaled down to see it lapse.
          checkLease: { baseSeconds: 3, maintenanceSeconds: 1 },
        },
      );
    }

    it("a check whose process died holding it is checked by the next worker within a minute", async () => {
      const config = await hubConfig();
      // The first process only serves pages; the test plays its checking worker, which takes
      // the job and then dies with it.
      const first: RunningHub = await startHub(config, { role: "web", demo: true });
      const token = (await createToken(first.ctx, null, "brookfield")).token;
      const form = new FormData();
      form.set("file", new Blob([toMeadowLane]), "8231234_CTF_9382001_001.XML");
      const sent = await fetch(`${first.url}/api/v1/transfers`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      expect(sent.status).toBe(202);
      const id = (await json(sent)).id as string;
      const [job] = await first.boss.fetch(CHECK_UPLOAD);
      expect(job?.data).toEqual({ id });
      await first.stop();

      const diedAt = Date.now();
      const second = await startHub(config, { role: "all" });
      cleanups.push(() => second.stop());
      const status = await eventually(
        "the interrupted check to be taken up again",
        async () => {
          const row = await second.ctx.db
            .selectFrom("transfers")
            .select("status")
            .where("id", "=", id)
            .executeTakeFirstOrThrow();
          return row.status === "checking" ? undefined : row.status;
        },
        90_000,
      );
      expect(status).toBe("available");
      expect(Date.now() - diedAt).toBeLessThan(60_000);
    }, 120_000);
  });
}

for (const { target, skip } of DATABASES) {
  // A folder that cannot be written is the failure made here; the bucket's is in s3-store.test.
  describe.skipIf(skip)(`what a failing folder store leaves behind on ${target.name}`, () => {
    let t: TestHub;

    beforeAll(async () => {
      t = await startTestHub(target.name, { store: { kind: "folder" } });
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("a remove that committed answers as done though the store cannot delete, and the sweep deletes it later", async () => {
      const brookfield = await t.token("brookfield");
      const sent = await sendAndCheck(t, brookfield, "8231234_CTF_9382001_301.XML", toMeadowLane);
      const { store_key: key } = await t.hub.ctx.db
        .selectFrom("transfers")
        .select("store_key")
        .where("id", "=", sent.id)
        .executeTakeFirstOrThrow();
      const shard = join(filesDir(t.config), String(key).slice(0, 2));
      // The file's folder swapped for a plain file: nothing in it can be deleted.
      await rename(shard, `${shard}.away`);
      await writeFile(shard, "not a folder");
      try {
        const removed = await t.api(brookfield, `/api/v1/transfers/${sent.id}`, {
          method: "DELETE",
        });
        expect(removed.status).toBe(204);
      } finally {
        await rm(shard);
        await rename(`${shard}.away`, shard);
      }
      const view = await json(await t.api(brookfield, `/api/v1/transfers/${sent.id}`));
      expect(view.status).toBe("removed");
      // The bytes outlived the remove; nothing refers to them, so the sweep takes them.
      const stored = join(shard, `${key}.enc`);
      await stat(stored);
      const dayLater = new Date(Date.now() + 2 * 86_400_000);
      expect(await sweepOrphans(t.hub.ctx, dayLater)).toBeGreaterThanOrEqual(1);
      await expect(stat(stored)).rejects.toThrow(/ENOENT/);
    });

    it("half-written files a crashed upload left are swept while the service runs", async () => {
      const tmp = join(filesDir(t.config), "tmp");
      await mkdir(tmp, { recursive: true });
      const dead = join(tmp, "0123456789abcdef.dead");
      const live = join(tmp, "fedcba9876543210.live");
      await writeFile(dead, "half a file");
      await writeFile(live, "a file still arriving");
      const twoHoursAgo = new Date(t.now.value.getTime() - 2 * 3600_000);
      await utimes(dead, twoHoursAgo, twoHoursAgo);
      await utimes(live, t.now.value, t.now.value);
      const report = await runRetention(t.hub.ctx);
      expect(report.temporary).toBe(1);
      await expect(stat(dead)).rejects.toThrow(/ENOENT/);
      await stat(live);
    });
  });
}

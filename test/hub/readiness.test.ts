/** A load balancer asks /readyz whether this process can serve: its database and store answer. */
import { rename, rm, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesDir } from "../../src/hub/config.js";
import { DATABASES } from "../helpers/db.js";
import { json, startTestHub, type TestHub } from "../helpers/hub.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`readiness on ${target.name}`, () => {
    let t: TestHub;

    beforeAll(async () => {
      t = await startTestHub(target.name);
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

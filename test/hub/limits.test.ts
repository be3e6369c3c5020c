/**
 * One account, or one stolen token, cannot fill the service: a ceiling on pupils in a file, on
 * files waiting to be checked at once and on bytes an hour per user, and on what one page post
 * may carry in all.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { DATABASES } from "../helpers/db.js";
import { json, sendAndCheck, startTestHub, type TestHub, uploadCtf } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`limits on ${target.name}`, () => {
    let t: TestHub;
    const xml = (pupils: number, seed: number) =>
      writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils, seed }));
    const name = (seq: number) => `8231234_CTF_9382001_${String(seq).padStart(3, "0")}.XML`;

    beforeAll(async () => {
      t = await startTestHub(target.name, {
        maxPupilsPerFile: 5,
        uploadsInFlight: 3,
        uploadBytesPerHour: 400_000,
        maxUploadBytes: 60_000,
      });
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("fails a file with more pupils than the ceiling, keeping none of them", async () => {
      const token = await t.token("brookfield");
      const five = await sendAndCheck(t, token, name(1), xml(5, 1));
      expect(five.status).toBe("available");
      const six = await sendAndCheck(t, token, name(2), xml(6, 2));
      expect(six.status).toBe("failed");
      expect(JSON.stringify(six.errors)).toContain("more than 5 pupils");
      const kept = await t.hub.ctx.db
        .selectFrom("transfer_pupils")
        .select("position")
        .where("transfer_id", "=", six.id)
        .execute();
      expect(kept).toEqual([]);
    });

    it("refuses a user's upload while too many of theirs wait to be checked", async () => {
      const brookfield = await t.hub.ctx.db
        .selectFrom("users")
        .select("id")
        .where("username", "=", "brookfield")
        .executeTakeFirstOrThrow();
      // Three of brookfield's files still being checked (as if the workers were behind).
      for (let i = 0; i < 3; i++)
        await t.hub.ctx.db
          .insertInto("transfers")
          .values({
            file_name: name(90 + i),
            source_laestab: "8231234",
            dest_laestab: "9382001",
            dest_kind: "school",
            sequence: 90 + i,
            status: "checking",
            sender_user_id: brookfield.id,
            size_bytes: 1,
            sha256: randomBytes(32).toString("hex"),
            created_at: new Date(t.now.value.getTime() - 2 * 3600_000),
          })
          .execute();
      const key = { "idempotency-key": "limits-retry-1" };
      const r = await uploadCtf(t, await t.token("brookfield"), name(3), xml(1, 3), {
        headers: key,
      });
      expect(r.status).toBe(429);
      expect((await json(r)).error.message).toMatch(/3 files still being checked/);
      // Another user is not held up by them.
      const other = await uploadCtf(
        t,
        await t.token("meadowlane"),
        "9382001_CTF_8231234_001.XML",
        writeCtf(generateCtf({ from: "9382001", to: "8231234", pupils: 1, seed: 4 })),
      );
      expect(other.status).toBe(202);
      // The send page asks after a file every second while it is checked: those looks hold no
      // pupil data yet, and fill no audit log.
      const waiting = await t.hub.ctx.db
        .selectFrom("transfers")
        .select("id")
        .where("file_name", "=", name(90))
        .executeTakeFirstOrThrow();
      const page = new PageClient(t.url);
      await page.signIn("brookfield", PASSWORD);
      for (let i = 0; i < 3; i++)
        expect((await page.request(`/send/outcome/${waiting.id}`)).status).toBe(200);
      const looks = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("id")
        .where("action", "=", "transfer.view")
        .where("target", "=", `transfer:${waiting.id}`)
        .execute();
      expect(looks).toEqual([]);
      await t.hub.ctx.db
        .deleteFrom("transfers")
        .where("status", "=", "checking")
        .where("size_bytes", "=", 1)
        .execute();
      // "Too many" means "try later", never an answer to keep: the retry under the same key,
      // once the files are checked, is sent (an outside test saw 20 of 20 retries replay 429).
      const retried = await uploadCtf(t, await t.token("brookfield"), name(3), xml(1, 3), {
        headers: key,
      });
      expect(retried.status).toBe(202);
      expect(retried.headers.get("idempotent-replayed")).toBeNull();
    });

    it("refuses one page post carrying more than the single-file limit in all", async () => {
      const office = new PageClient(t.url);
      await office.signIn("meadowlane", PASSWORD);
      const body = new FormData();
      body.set("_csrf", await office.token());
      // Each file is under the 60 KB limit; together they are over it.
      for (const seq of [11, 12, 13]) {
        const file = writeCtf(
          generateCtf({ from: "9382001", to: "8231234", pupils: 4, seed: seq }),
        );
        expect(file.length).toBeLessThan(60_000);
        body.append("files", new Blob([file]), `9382001_CTF_8231234_0${seq}.XML`);
      }
      const r = await office.request("/send", { method: "POST", body });
      expect(r.status, await r.clone().text()).toBe(303);
      const results = await office.request(r.headers.get("location") ?? "/");
      const page = await results.text();
      expect(page).toContain("9382001_CTF_8231234_012.XML");
      expect(page).toContain("may total 58 KB");
    });

    it("refuses more bytes in an hour than one account may send", async () => {
      const brookfield = await t.hub.ctx.db
        .selectFrom("users")
        .select("id")
        .where("username", "=", "brookfield")
        .executeTakeFirstOrThrow();
      const token = await t.token("brookfield");
      expect((await uploadCtf(t, token, name(20), xml(1, 20))).status).toBe(202);
      // As if brookfield had sent 400 KB in the last hour already.
      await t.hub.ctx.db
        .insertInto("transfers")
        .values({
          file_name: name(99),
          source_laestab: "8231234",
          dest_laestab: "9382001",
          dest_kind: "school",
          sequence: 99,
          status: "downloaded",
          sender_user_id: brookfield.id,
          size_bytes: 400_000,
          sha256: randomBytes(32).toString("hex"),
          created_at: t.now.value,
        })
        .execute();
      const r = await uploadCtf(t, token, name(21), xml(1, 21));
      expect(r.status).toBe(429);
      expect((await json(r)).error.message).toMatch(/as much as one account may in an hour/);
      // An hour later, sending works again (and the file is checked before the hub stops).
      t.now.value = new Date(t.now.value.getTime() + 3601_000);
      expect((await sendAndCheck(t, token, name(22), xml(1, 22))).status).toBe("available");
    });
  });
}

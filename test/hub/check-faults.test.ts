/**
 * The checking job's faults that lost work without a word (issue 24): a date the database
 * cannot take left a file checking for ever; a check that fails every try left its file
 * checking with nobody told; a check run a second time (its lease lapsed) wiped the pupils the
 * first run had indexed for a file already delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { CHECK_GAVE_UP, checkUpload } from "../../src/hub/check-upload.js";
import { DATABASES } from "../helpers/db.js";
import { lineOf } from "../helpers/fixtures.js";
import { eventually, json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the checking job's faults, on ${target.name}`, () => {
    let t: TestHub;
    let token = "";

    beforeAll(async () => {
      // A check out of tries gives up after one retry a second later, not five over minutes.
      t = await startTestHub(target.name, { checkRetries: { limit: 1, delaySeconds: 1 } });
      token = await t.token("brookfield");
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    const pupilsIndexed = async (id: string) =>
      (
        await t.hub.ctx.db
          .selectFrom("transfer_pupils")
          .select("position")
          .where("transfer_id", "=", id)
          .execute()
      ).length;

    it("fails a file with an impossible date of birth, naming the pupil and line, instead of leaving it checking", async () => {
      const doc = generateCtf({ from: "8231234", to: "9382001", pupils: 600, seed: 2402 });
      const pupil = doc.pupils[249];
      if (!pupil) throw new Error("no pupil 250");
      pupil.dob = "2012-02-30";
      const xml = writeCtf(doc);
      const checked = await sendAndCheck(t, token, "8231234_CTF_9382001_240.XML", xml);
      expect(checked.status).toBe("failed");
      expect(checked.errors).toContainEqual(
        expect.objectContaining({
          code: "pupil.dob.invalid",
          line: lineOf(xml, "<DOB>2012-02-30</DOB>"),
          pupil: expect.objectContaining({ position: 250 }),
        }),
      );
      expect(await pupilsIndexed(checked.id)).toBe(0);
    });

    it("fails a file whose check fails every try, with a plain message, and tells its sender", async () => {
      const brookfield = await t.hub.ctx.db
        .selectFrom("users")
        .select(["id", "email"])
        .where("username", "=", "brookfield")
        .executeTakeFirstOrThrow();
      // A file whose stored copy cannot be read: every try of its check throws.
      const id = await t.hub.ctx.db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto("transfers")
          .values({
            file_name: "8231234_CTF_9382001_242.XML",
            source_laestab: "8231234",
            dest_laestab: "9382001",
            dest_kind: "school",
            sequence: 242,
            status: "checking",
            sender_user_id: brookfield.id,
            size_bytes: 100,
            sha256: "0".repeat(64),
            store_key: "a-key-with-nothing-behind-it",
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        await t.hub.ctx.jobs.checkUpload(trx, row.id, 100);
        return row.id;
      });
      t.hub.ctx.jobs.wake();
      const failed = await eventually(
        "the file failed",
        async () => {
          const v = await json(await t.api(token, `/api/v1/transfers/${id}`));
          return v.status === "checking" ? undefined : v;
        },
        30_000,
      );
      expect(failed).toMatchObject({
        status: "failed",
        errors: [expect.objectContaining({ code: "check.failed", message: CHECK_GAVE_UP })],
      });
      const mail = await eventually("mail to the sender", async () => {
        const m = t.smtp
          .to(brookfield.email)
          .find((x) => x.subject?.includes("could not be checked"));
        return m;
      });
      expect(mail.subject).toBe("S2S: 8231234_CTF_9382001_242.XML could not be checked");
      expect(mail.text).toContain("Send it again, or contact the help desk");
      const audited = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("id")
        .where("action", "=", "transfer.check-gave-up")
        .where("target", "=", `transfer:${id}`)
        .execute();
      expect(audited).toHaveLength(1);
    }, 60_000);

    it("keeps a delivered file's pupil index when a second run of its check finds nothing to do", async () => {
      const xml = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 3, seed: 2403 }));
      const checked = await sendAndCheck(t, token, "8231234_CTF_9382001_241.XML", xml);
      expect(checked.status).toBe("available");
      expect(await pupilsIndexed(checked.id)).toBe(3);
      // Two runs of the same check at once, as when a slow run's lease lapses and pg-boss
      // starts it again: both read the file as checking; one delivers it, the other finds it
      // delivered already.
      await t.hub.ctx.db
        .updateTable("transfers")
        .set({ status: "checking" })
        .where("id", "=", checked.id)
        .execute();
      await Promise.all([checkUpload(t.hub.ctx, checked.id), checkUpload(t.hub.ctx, checked.id)]);
      const row = await t.hub.ctx.db
        .selectFrom("transfers")
        .select("status")
        .where("id", "=", checked.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe("available");
      expect(await pupilsIndexed(checked.id)).toBe(3);
    });
  });
}

/**
 * The checking job's faults that lost work without a word (issue 24): a date the database
 * cannot take left a file checking for ever, and a check run a second time (its lease lapsed)
 * wiped the pupils the first run had indexed for a file already delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { checkUpload } from "../../src/hub/check-upload.js";
import { DATABASES } from "../helpers/db.js";
import { lineOf } from "../helpers/fixtures.js";
import { sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the checking job's faults, on ${target.name}`, () => {
    let t: TestHub;
    let token = "";

    beforeAll(async () => {
      t = await startTestHub(target.name);
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

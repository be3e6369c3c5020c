/**
 * Removing a file removes every copy of its pupils' data: the stored bytes and pupil index, the
 * check results that quoted values from it, and the rejection's reason, on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ctfXml, pupilXml } from "../helpers/ctf.js";
import { DATABASES } from "../helpers/db.js";
import { json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";

// A UPN whose check letter is wrong: the file is usable, and the warning quotes the UPN.
const WRONG_UPN = "A801200001001";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`purging a file on ${target.name}`, () => {
    let t: TestHub;

    beforeAll(async () => {
      t = await startTestHub(target.name);
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("leaves no pupil's UPN in its findings and no reason the receiver typed", async () => {
      const xml = ctfXml(
        pupilXml(
          `<UPN>${WRONG_UPN}</UPN><Surname>Quimby</Surname><Forename>Ann</Forename><DOB>2015-10-02</DOB><Sex>F</Sex>`,
          false,
        ),
        { source: "8231234", dest: "9382001" },
      );
      const brookfield = await t.token("brookfield");
      const sent = await sendAndCheck(t, brookfield, "8231234_CTF_9382001_201.XML", xml);
      expect(sent.status).toBe("available");
      const before = await t.hub.ctx.db
        .selectFrom("transfers")
        .select(["warnings"])
        .where("id", "=", sent.id)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(before.warnings)).toContain(WRONG_UPN);
      const meadow = await t.token("meadowlane");
      const rejected = await t.api(meadow, `/api/v1/transfers/${sent.id}/reject`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        // Misspelt, as a name in a reason may be: the hub refuses a pupil's name from the file,
        // so a reason that gets past that check must still go with the file.
        body: JSON.stringify({ reason: "A. Quimbey never joined us" }),
      });
      expect(rejected.status).toBe(200);
      const removed = await t.api(brookfield, `/api/v1/transfers/${sent.id}`, {
        method: "DELETE",
      });
      expect(removed.status).toBe(204);
      const after = await t.hub.ctx.db
        .selectFrom("transfers")
        .select(["warnings", "errors", "reject_reason", "store_key", "purged_at"])
        .where("id", "=", sent.id)
        .executeTakeFirstOrThrow();
      const kept = JSON.stringify(after);
      expect(kept).not.toContain(WRONG_UPN);
      expect(kept).not.toContain("Quimby");
      expect(kept).not.toContain("Quimbey");
      expect(after.store_key).toBeNull();
      expect(after.purged_at).not.toBeNull();
      // What the warning was about, and where, stays for the sender's record.
      expect(after.warnings).toContainEqual(
        expect.objectContaining({ code: "pupil.upn.invalid", pupil: { position: 1 } }),
      );
      const pupils = await t.hub.ctx.db
        .selectFrom("transfer_pupils")
        .select("surname")
        .where("transfer_id", "=", sent.id)
        .execute();
      expect(pupils).toEqual([]);
      const view = await json(await t.api(brookfield, `/api/v1/transfers/${sent.id}`));
      expect(JSON.stringify(view)).not.toContain("Quimby");
    });

    it("empties the mail sent about the file: at once if it went, once it has gone if it waited", async () => {
      const brookfield = await t.token("brookfield");
      const meadow = await t.token("meadowlane");
      // The rejection's message (the file's notice to its destination is about it too).
      const mailAbout = async (id: string) =>
        t.hub.ctx.db
          .selectFrom("mail_outbox")
          .select(["body", "sent_at"])
          .where("transfer_id", "=", id)
          .where("subject", "like", "%was rejected")
          .execute();
      const rejectAndRemove = async (seq: string, surname: string, deliverFirst: boolean) => {
        const xml = ctfXml(
          pupilXml(
            `<UPN>H801200001001</UPN><Surname>${surname}</Surname><Forename>Ann</Forename><DOB>2015-10-02</DOB><Sex>F</Sex>`,
            false,
          ),
          { source: "8231234", dest: "9382001" },
        );
        const sent = await sendAndCheck(t, brookfield, `8231234_CTF_9382001_${seq}.XML`, xml);
        const rejected = await t.api(meadow, `/api/v1/transfers/${sent.id}/reject`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          // Misspelt (the hub refuses the file's own spelling of a pupil's name).
          body: JSON.stringify({ reason: `${surname}s is not on our roll` }),
        });
        expect(rejected.status).toBe(200);
        if (deliverFirst) await t.hub.deliverMail();
        const removed = await t.api(brookfield, `/api/v1/transfers/${sent.id}`, {
          method: "DELETE",
        });
        expect(removed.status).toBe(204);
        return sent.id as string;
      };

      // Sent before the file was removed: emptied with the file.
      const went = await rejectAndRemove("202", "Pennyfeather", true);
      const [wentMail] = await mailAbout(went);
      expect(wentMail?.sent_at).not.toBeNull();
      expect(wentMail?.body).not.toContain("Pennyfeather");
      expect(
        t.smtp
          .to("brookfield@users.invalid")
          .map((m) => m.text)
          .join(),
      ).toContain("Pennyfeathers is not on our roll");

      // Still waiting when the file was removed (the mail server refusing for a while): the
      // sender is still told, and then it empties.
      t.smtp.refusing = true;
      const waited = await rejectAndRemove("203", "Thistlewood", false);
      const [waiting] = await mailAbout(waited);
      expect(waiting?.sent_at).toBeNull();
      expect(waiting?.body).toContain("Thistlewoods is not on our roll");
      t.smtp.refusing = false;
      t.now.value = new Date(t.now.value.getTime() + 3600_000);
      await t.hub.deliverMail();
      const [waitedMail] = await mailAbout(waited);
      expect(waitedMail?.sent_at).not.toBeNull();
      expect(waitedMail?.body).not.toContain("Thistlewood");
      expect(
        t.smtp
          .to("brookfield@users.invalid")
          .map((m) => m.text)
          .join(),
      ).toContain("Thistlewoods is not on our roll");
    });
  });
}

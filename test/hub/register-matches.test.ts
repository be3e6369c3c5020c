/**
 * Children in the out-of-sector register turn up in a file sent to a school in another LA, one
 * letter of their surname wrong: both LAs see the probable match (reasons naming no one) and are
 * e-mailed without the child's name; schools never see matches; the school's LA confirms one
 * (the child's part of the register file is passed on to the school) and dismisses another with
 * a reason; both are audited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { DATABASES } from "../helpers/db.js";
import { eventually, json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`finding lost children on ${target.name}`, () => {
    let t: TestHub;
    let lostId: string;
    let seenId: string;

    const post = (token: string, path: string, body: unknown = {}) =>
      t.api(token, path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    beforeAll(async () => {
      t = await startTestHub(target.name, { store: { kind: "folder" } });
      const brookfield = await t.token("brookfield");
      // Two children Northshire sent out of the maintained sector, in one file.
      const lost = generateCtf({ from: "8231234", to: "MMMMMMM", pupils: 2, seed: 301 });
      const [a, b] = lost.pupils as [(typeof lost.pupils)[0], (typeof lost.pupils)[0]];
      Object.assign(a, { surname: "Okafor", forename: "Amara", dob: "2013-03-09", sex: "F" });
      Object.assign(b, { surname: "Whitfield", forename: "Leo", dob: "2012-11-20", sex: "M" });
      const sentLost = await sendAndCheck(
        t,
        brookfield,
        "8231234_CTF_MMMMMMM_301.XML",
        writeCtf(lost),
      );
      expect(sentLost.status).toBe("outside");
      lostId = sentLost.id;
      // Later both are in a file to Meadow Lane (Southvale), with other UPNs, one name mistyped.
      const later = generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 302 });
      const [c, d] = later.pupils as [(typeof later.pupils)[0], (typeof later.pupils)[0]];
      Object.assign(c, { surname: "Okafr", forename: "Amara", dob: "2013-03-09", sex: "F" });
      Object.assign(d, { surname: "Whitfield", forename: "Leo", dob: "2012-11-20", sex: "M" });
      const sent = await sendAndCheck(
        t,
        brookfield,
        "8231234_CTF_9382001_302.XML",
        writeCtf(later),
      );
      expect(sent.status).toBe("available");
      seenId = sent.id;
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("puts the probable matches before both LAs, naming no one, and tells them by e-mail", async () => {
      const southvale = await t.token("southvale-la");
      const found = await eventually("the matches", async () => {
        const body = await json(await t.api(southvale, "/api/v1/lost-pupils/matches"));
        return body.matches.length === 2 ? body.matches : undefined;
      });
      const okafor = found.find((m: { pupil: number }) => m.pupil === 1);
      expect(okafor).toMatchObject({
        lostTransferId: lostId,
        lostPupil: 1,
        transferId: seenId,
        certainty: "probable",
        status: "open",
        yourSchool: true,
        reasons: ["surname, one letter out", "forename", "date of birth"],
      });
      expect(JSON.stringify(found)).not.toMatch(/Okaf|Amara|Whitfield/);
      const northshire = await json(
        await t.api(await t.token("northshire-la"), "/api/v1/lost-pupils/matches"),
      );
      expect(northshire.matches).toHaveLength(2);
      expect(northshire.matches[0].yourSchool).toBe(false);
      // A school never sees them.
      expect((await t.api(await t.token("meadowlane"), "/api/v1/lost-pupils/matches")).status).toBe(
        403,
      );
      for (const la of ["southvale-la", "northshire-la"]) {
        const mail = await eventually(`mail to ${la}`, async () => {
          const email = (
            await t.hub.ctx.db
              .selectFrom("users")
              .select("email")
              .where("username", "=", la)
              .executeTakeFirstOrThrow()
          ).email;
          return t.smtp
            .to(email)
            .find((m) => m.subject === "S2S: a missing child may have been found");
        });
        expect(mail.text).not.toMatch(/Okaf|Amara|Whitfield|Leo/);
        expect(mail.text).toContain("/lost-pupils/matches");
      }
    });

    it("lets the school's LA confirm one, passing the child on, and either LA dismiss one", async () => {
      const southvale = await t.token("southvale-la");
      const northshire = await t.token("northshire-la");
      const { matches } = await json(await t.api(southvale, "/api/v1/lost-pupils/matches"));
      const okafor = matches.find((m: { pupil: number }) => m.pupil === 1);
      const whitfield = matches.find((m: { pupil: number }) => m.pupil === 2);
      // Only the LA of the school the child turned up at passes the file on.
      expect(
        (await post(northshire, `/api/v1/lost-pupils/matches/${okafor.id}/confirm`)).status,
      ).toBe(403);
      const confirmed = await post(southvale, `/api/v1/lost-pupils/matches/${okafor.id}/confirm`);
      expect(confirmed.status).toBe(200);
      expect(await json(confirmed)).toEqual({ id: okafor.id, status: "passed-on" });
      // The child's part of the register file went to Meadow Lane as a new file.
      await eventually("the passed-on file", async () => {
        const inbox = await json(await t.api(await t.token("meadowlane"), "/api/v1/inbox"));
        return inbox.transfers.length === 2 ? true : undefined;
      });
      // Dismissed with a reason; a second decision is refused.
      const noReason = await post(
        northshire,
        `/api/v1/lost-pupils/matches/${whitfield.id}/dismiss`,
        {
          reason: " ",
        },
      );
      expect(noReason.status).toBe(400);
      expect((await json(noReason)).error.field).toBe("reason");
      const dismissed = await post(
        northshire,
        `/api/v1/lost-pupils/matches/${whitfield.id}/dismiss`,
        {
          reason: "Another child: the school checked the birth certificate.",
        },
      );
      expect(dismissed.status).toBe(200);
      expect(
        (await post(southvale, `/api/v1/lost-pupils/matches/${whitfield.id}/confirm`)).status,
      ).toBe(400);
      const after = await json(await t.api(southvale, "/api/v1/lost-pupils/matches"));
      expect(after.matches.map((m: { status: string }) => m.status).sort()).toEqual([
        "dismissed",
        "passed-on",
      ]);
      const audited = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("action")
        .where("action", "in", ["match.confirm", "match.dismiss", "matches.read"])
        .execute();
      expect(new Set(audited.map((a) => a.action))).toEqual(
        new Set(["match.confirm", "match.dismiss", "matches.read"]),
      );
    });
  });
}

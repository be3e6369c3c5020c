/**
 * A sender is told their file arrived: e-mailed when it is downloaded, unless they turned that
 * off on their account page. The e-mail names the school and the file, never a pupil.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { DATABASES } from "../helpers/db.js";
import { eventually, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const SUBJECT = "S2S: a file you sent has been downloaded";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`telling a sender their file arrived on ${target.name}`, () => {
    let t: TestHub;

    beforeAll(async () => {
      t = await startTestHub(target.name);
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    const sendAndTake = async (seq: number) => {
      const xml = writeCtf(
        generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 700 + seq }),
      );
      const name = `8231234_CTF_9382001_${700 + seq}.XML`;
      const file = await sendAndCheck(t, await t.token("brookfield"), name, xml);
      const meadow = await t.token("meadowlane");
      const r = await t.api(meadow, `/api/v1/transfers/${file.id}/accept`, { method: "POST" });
      expect(r.status).toBe(200);
      await t.hub.deliverMail();
      return name;
    };
    const toldOf = (name: string) =>
      t.smtp
        .to("brookfield@users.invalid")
        .filter((m) => m.subject === SUBJECT && (m.text ?? "").includes(name));

    it("e-mails the sender when the school downloads the file, naming no pupil", async () => {
      const name = await sendAndTake(1);
      const told = await eventually("the download notice", async () => toldOf(name)[0]);
      expect(told.text).toContain("Meadow Lane Primary School (9382001) has downloaded the file");
      expect(told.text).toContain("/sent/");
    });

    it("tells no more once the sender turns it off on their account page", async () => {
      const office = new PageClient(t.url);
      await office.signIn("brookfield", "demo-password-only");
      const account = await (await office.request("/account")).text();
      expect(account).toContain("E-mail me when a file I sent is downloaded");
      const off = await office.post("/account/downloaded-notices", { _csrf: await office.token() });
      expect(off.headers.get("location")).toBe("/account?done=downloaded-off#notices");
      const name = await sendAndTake(2);
      await t.hub.deliverMail();
      expect(toldOf(name)).toEqual([]);
      const on = await office.post("/account/downloaded-notices", {
        _csrf: await office.token(),
        downloaded: "yes",
      });
      expect(on.headers.get("location")).toBe("/account?done=downloaded-on#notices");
      // The API says the same, and sets it too.
      const put = await t.api(await t.token("brookfield"), "/api/v1/me/notices", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ downloadedFiles: false }),
      });
      expect(await put.json()).toEqual({ registerFiles: false, downloadedFiles: false });
    });
  });
}

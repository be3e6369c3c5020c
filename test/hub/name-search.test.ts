/**
 * Finding a file by a pupil in it: `?q=` on the inbox and the sent list matches the start of a
 * pupil's surname or forename, in the organisation's own files only, and the audit keeps that a
 * list was searched by name, never the name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import type { Pupil } from "../../src/ctf/model.js";
import { readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { DATABASES } from "../helpers/db.js";
import { json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient, pageText } from "../helpers/pages.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`searching files by a pupil's name on ${target.name}`, () => {
    let t: TestHub;
    let sent: { id: string; pupils: Pupil[] }[] = [];

    beforeAll(async () => {
      t = await startTestHub(target.name);
      const brookfield = await t.token("brookfield");
      sent = [];
      for (const seq of [1, 2]) {
        const xml = writeCtf(
          generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 900 + seq }),
        );
        const file = await sendAndCheck(t, brookfield, `8231234_CTF_9382001_00${seq}.XML`, xml);
        sent.push({ id: file.id, pupils: (await readCtf(xml)).document?.pupils ?? [] });
      }
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    const ids = async (token: string, path: string) =>
      (await json(await t.api(token, path))).transfers.map((x: { id: string }) => x.id);

    it("finds the receiving school's files by the start of a pupil's surname or forename", async () => {
      const meadow = await t.token("meadowlane");
      const [first, second] = sent as [
        { id: string; pupils: Pupil[] },
        { id: string; pupils: Pupil[] },
      ];
      const surname = first.pupils[0]?.surname ?? "";
      const forename = second.pupils[1]?.forename ?? "";
      const bySurname = await ids(
        meadow,
        `/api/v1/inbox?q=${encodeURIComponent(surname.slice(0, 3).toUpperCase())}`,
      );
      expect(bySurname).toContain(first.id);
      for (const f of sent)
        if (
          !f.pupils.some(
            (p) =>
              p.surname?.toLowerCase().startsWith(surname.slice(0, 3).toLowerCase()) ||
              p.forename?.toLowerCase().startsWith(surname.slice(0, 3).toLowerCase()),
          )
        )
          expect(bySurname).not.toContain(f.id);
      expect(await ids(meadow, `/api/v1/inbox?q=${encodeURIComponent(forename)}`)).toContain(
        second.id,
      );
      expect(await ids(meadow, "/api/v1/inbox?q=Zzzzqx")).toEqual([]);
      const bad = await t.api(meadow, "/api/v1/inbox?q=a%25");
      expect(bad.status).toBe(400);
      expect((await json(bad)).error.field).toBe("q");
    });

    it("finds the sender's own files, and an LA's own only, never its schools'", async () => {
      const brookfield = await t.token("brookfield");
      const surname = sent[0]?.pupils[0]?.surname ?? "";
      const q = encodeURIComponent(surname);
      expect(await ids(brookfield, `/api/v1/sent?q=${q}`)).toContain(sent[0]?.id);
      // The LA sees its schools' sent files, but a search by name covers what it sent itself.
      const la = await t.token("northshire-la");
      expect(await ids(la, "/api/v1/sent")).toContain(sent[0]?.id);
      expect(await ids(la, `/api/v1/sent?q=${q}`)).toEqual([]);
      // Another school finds nothing of Brookfield's.
      const other = await t.token("meadowlane");
      expect(await ids(other, `/api/v1/sent?q=${q}`)).toEqual([]);
    });

    it("finds files on the Received and Sent pages, the name posted and never in the address", async () => {
      const [first, second] = sent as [
        { id: string; pupils: Pupil[] },
        { id: string; pupils: Pupil[] },
      ];
      const surname = first.pupils[0]?.surname ?? "";
      const holds = (f: { pupils: Pupil[] }) =>
        f.pupils.some((p) =>
          [p.surname, p.forename].some((n) =>
            n?.toLowerCase().startsWith(surname.slice(0, 3).toLowerCase()),
          ),
        );
      for (const [who, path, link] of [
        ["meadowlane", "/received", "/received/"],
        ["brookfield", "/sent", "/sent/"],
      ] as const) {
        const office = new PageClient(t.url);
        await office.signIn(who, "demo-password-only");
        const list = await (await office.request(path)).text();
        expect(list).toContain(`action="${path}/search"`);
        const r = await office.post(`${path}/search`, {
          _csrf: await office.token(),
          q: surname.slice(0, 3),
        });
        expect(r.status).toBe(200);
        const html = await r.text();
        expect(html).toContain(`href="${link}${first.id}"`);
        if (!holds(second)) expect(html).not.toContain(`href="${link}${second.id}"`);
        expect(pageText(html)).toMatch(/\d+ files? holds? a pupil whose name starts with/);
        // Letters only; what else is typed is refused at its field, in words.
        const bad = await office.post(`${path}/search`, { _csrf: await office.token(), q: "12" });
        expect(bad.status).toBe(400);
        expect(pageText(await bad.text())).toContain(
          "Search by the start of a pupil's surname or forename: letters only.",
        );
      }
    });

    it("audits that a list was searched by name, never the name", async () => {
      const rows = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select(["username", "target", "detail"])
        .where("action", "=", "transfers.search")
        .execute();
      expect(rows.length).toBeGreaterThanOrEqual(4);
      const surname = sent[0]?.pupils[0]?.surname ?? "";
      expect(JSON.stringify(rows).toLowerCase()).not.toContain(surname.toLowerCase());
      expect(rows[0]?.detail).toMatchObject({ criteria: ["pupil name"] });
    });
  });
}

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

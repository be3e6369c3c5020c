/**
 * Local authorities oversee; schools act. An LA sees its schools' files but does not accept,
 * reject or remove them, does not send as one of its schools, and passes a Lost Pupils file on
 * only to a school in its own area.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { findEstablishment } from "../../src/hub/establishments.js";
import { createUser } from "../../src/hub/users.js";
import { DATABASES } from "../helpers/db.js";
import {
  addElsewhere,
  eventually,
  json,
  sendAndCheck,
  startTestHub,
  type TestHub,
  untilChecked,
  uploadCtf,
} from "../helpers/hub.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`local authorities on ${target.name}`, () => {
    let t: TestHub;
    let la = ""; // Northshire LA, 823: brookfield (8231234) and hillcrest (8231235) are its schools
    let seed = 40;

    const post = (token: string, path: string, body: unknown = {}) =>
      t.api(token, path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    async function send(from: string, fromUser: string, to: string, pupils = 1) {
      seed++;
      const xml = writeCtf(generateCtf({ from, to, pupils, seed }));
      const name = `${from}_CTF_${to}_${String(seed).padStart(3, "0")}.XML`;
      return sendAndCheck(t, await t.token(fromUser), name, xml);
    }

    beforeAll(async () => {
      t = await startTestHub(target.name);
      await addElsewhere(t);
      la = await t.token("northshire-la");
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("sees a file sent to one of its schools, but only the school acts on it", async () => {
      const sent = await send("9382001", "meadowlane", "8231234");
      expect(sent.status).toBe("available");
      const seen = await t.api(la, `/api/v1/transfers/${sent.id}`);
      expect(seen.status).toBe(200);
      expect((await t.api(la, `/api/v1/transfers/${sent.id}/pupils`)).status).toBe(200);
      for (const [path, body] of [
        [`/api/v1/transfers/${sent.id}/accept`, {}],
        [`/api/v1/transfers/${sent.id}/reject`, { reason: "Not known at this school" }],
      ] as const) {
        const r = await post(la, path, body);
        expect(r.status, path).toBe(403);
        expect((await json(r)).error.message).toMatch(/school's to act on/);
      }
      const removed = await t.api(la, `/api/v1/transfers/${sent.id}`, { method: "DELETE" });
      expect(removed.status).toBe(403);
      const school = await t.token("brookfield");
      expect((await json(await t.api(school, `/api/v1/transfers/${sent.id}`))).status).toBe(
        "available",
      );
      // Every look the LA took is in the audit log.
      const looks = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("action")
        .where("username", "=", "northshire-la")
        .where("target", "=", `transfer:${sent.id}`)
        .execute();
      expect(looks.map((l) => l.action).sort()).toEqual(["pupils.view", "transfer.view"]);
      // What its schools send shows in the LA's sent list, to oversee; it still cannot act.
      const outgoing = await send("8231234", "brookfield", "9382001");
      const listed = (await json(await t.api(la, "/api/v1/sent"))).transfers;
      expect(listed.map((x: { id: string }) => x.id)).toContain(outgoing.id);
      expect(
        (await t.api(la, `/api/v1/transfers/${outgoing.id}`, { method: "DELETE" })).status,
      ).toBe(403);
    });

    it("does not send as one of its schools", async () => {
      const xml = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 1, seed: 90 }));
      const r = await uploadCtf(t, la, "8231234_CTF_9382001_090.XML", xml);
      expect(r.status).toBe(403);
    });

    it("passes a lost pupil's file on only to a school in its own area", async () => {
      const lost = await send("8231234", "brookfield", "XXXXXXX");
      expect(lost.status).toBe("lost");
      const elsewhere = await post(la, `/api/v1/transfers/${lost.id}/redirect`, { to: "3041001" });
      expect(elsewhere.status).toBe(400);
      expect((await json(elsewhere)).error.message).toMatch(/another local authority's area/);
      await t.hub.ctx.db
        .updateTable("establishments")
        .set({ email: "office@8231235.invalid" })
        .where("laestab", "=", "8231235")
        .execute();
      const ours = await post(la, `/api/v1/transfers/${lost.id}/redirect`, { to: "8231235" });
      expect(ours.status).toBe(200);
      expect((await json(ours)).destination.laestab).toBe("8231235");
      // The school is told who found the pupil and passed the file on, not only who sent it.
      await t.hub.deliverMail();
      const told = await eventually("the school's notice", async () =>
        t.smtp
          .to("office@8231235.invalid")
          .find((m) => (m.text ?? "").includes(`Open it: ${t.url}/received/${lost.id}`)),
      );
      expect(told.text).toContain(
        "Northshire (LA 823) has passed on to your school a Common Transfer File holding 1 pupil record, sent by Brookfield Primary School (8231234)",
      );
    });

    /** An LA with no school in the file: Southvale (938), where Meadow Lane (9382001) is. */
    async function southvale(): Promise<string> {
      if (
        !(await t.hub.ctx.db
          .selectFrom("users")
          .select("id")
          .where("username", "=", "southvale-la")
          .executeTakeFirst())
      )
        await createUser(t.hub.ctx, null, {
          username: "southvale-la",
          email: "southvale-la@users.invalid",
          role: "la",
          laCode: "938",
          password: "southvale's long passphrase",
        });
      return t.token("southvale-la");
    }

    const toldOf = (subject: RegExp) =>
      t.smtp.to("northshire-la@users.invalid").filter((m) => subject.test(m.subject ?? ""));

    it("keeps a register file its sending school's LA's: another LA looks and passes it on, but cannot take it off", async () => {
      const other = await southvale();
      const doc = generateCtf({ from: "8231234", to: "XXXXXXX", pupils: 1, seed: 97 });
      const lost = await sendAndCheck(
        t,
        await t.token("brookfield"),
        "8231234_CTF_XXXXXXX_097.XML",
        writeCtf(doc),
      );
      expect(lost.status).toBe("lost");
      const opened = /another local authority opened a file in the Lost Pupils database/;
      const before = toldOf(opened).length;

      // Another LA may look for the child in it (each look audited, the keeper told once a day)...
      expect((await t.api(other, `/api/v1/transfers/${lost.id}`)).status).toBe(200);
      expect((await t.api(other, `/api/v1/transfers/${lost.id}/pupils`)).status).toBe(200);
      // ...but not take it, download it or delete it.
      const accepted = await post(other, `/api/v1/transfers/${lost.id}/accept`);
      expect(accepted.status).toBe(403);
      expect((await json(accepted)).error.message).toMatch(
        /Only the local authority of the school that sent this file can accept or remove it/,
      );
      expect((await t.api(other, `/api/v1/transfers/${lost.id}/content`)).status).toBe(403);
      const deleted = await t.api(other, `/api/v1/transfers/${lost.id}`, { method: "DELETE" });
      expect(deleted.status).toBe(403);
      const pupil = doc.pupils[0] as NonNullable<(typeof doc.pupils)[number]>;
      const found = async (token: string) =>
        (
          await json(
            await post(token, "/api/v1/lost-pupils/search", {
              surname: pupil.surname,
              dob: pupil.dob,
            }),
          )
        ).pupils.map((x: { transferId: string }) => x.transferId);
      expect(await found(other)).toContain(lost.id);

      await t.hub.deliverMail();
      const told = toldOf(opened).slice(before);
      expect(told).toHaveLength(1);
      expect(told[0]?.text).toContain("southvale-la, ");
      expect(told[0]?.text).toContain("Brookfield Primary School (8231234)");
      expect(told[0]?.text).toContain(`${t.url}/received/${lost.id}`);
      for (const p of doc.pupils) {
        expect(told[0]?.text).not.toContain(p.surname as string);
        expect(told[0]?.text).not.toContain(p.upn as string);
      }

      // The keeper takes it and downloads it; it stays in the register for every LA...
      expect((await post(la, `/api/v1/transfers/${lost.id}/accept`)).status).toBe(200);
      expect((await json(await t.api(la, `/api/v1/transfers/${lost.id}`))).status).toBe("lost");
      const content = await t.api(la, `/api/v1/transfers/${lost.id}/content`);
      expect(content.status).toBe(200);
      expect(await content.text()).toContain(pupil.surname as string);
      expect(await found(other)).toContain(lost.id);
      // ...until it removes it, which only it (or the school) may.
      expect((await t.api(la, `/api/v1/transfers/${lost.id}`, { method: "DELETE" })).status).toBe(
        204,
      );
      expect(await found(other)).not.toContain(lost.id);
      expect((await t.api(other, `/api/v1/transfers/${lost.id}`)).status).toBe(404);
    });

    it("tells the sending school's LA when another LA passes its register file on", async () => {
      const other = await southvale();
      const outside = await send("8231234", "brookfield", "MMMMMMM");
      expect(outside.status).toBe("outside");
      const passedOn = await post(other, `/api/v1/transfers/${outside.id}/redirect`, {
        to: "9382001",
      });
      expect(passedOn.status).toBe(200);
      await t.hub.deliverMail();
      const told = toldOf(
        /another local authority opened a file in the out of sector register/,
      ).filter((m) => m.text?.includes(outside.id));
      expect(told).toHaveLength(1);
      expect(told[0]?.text).toContain("passed it on to Meadow Lane Primary School (9382001)");
      // The sending school's own LA acting is not news to it.
      const own = await send("8231234", "brookfield", "XXXXXXX");
      expect((await t.api(la, `/api/v1/transfers/${own.id}/pupils`)).status).toBe(200);
      await t.hub.deliverMail();
      expect(
        t.smtp
          .to("northshire-la@users.invalid")
          .filter(
            (m) => m.text?.includes(own.id) && /another local authority/.test(m.subject ?? ""),
          ),
      ).toHaveLength(0);
    });

    it("searches by every criterion, says why each result matched, and browses its own schools' entries", async () => {
      const doc = generateCtf({ from: "8231234", to: "XXXXXXX", pupils: 1, seed: 91 });
      const pupil = doc.pupils[0] as NonNullable<(typeof doc.pupils)[number]>;
      pupil.surname = "Okafor";
      pupil.dob = "2013-03-09";
      pupil.basicDetails = { ...pupil.basicDetails, formerSurname: "Whitfield" };
      const lost = await sendAndCheck(
        t,
        await t.token("brookfield"),
        "8231234_CTF_XXXXXXX_091.XML",
        writeCtf(doc),
      );
      expect(lost.status).toBe("lost");
      // Another LA's school's entry, which Northshire finds by search but not by browsing.
      await createUser(t.hub.ctx, null, {
        username: "elsewhere-school",
        email: "office@3041001.invalid",
        role: "school",
        establishment: "3041001",
        password: "elsewhere's long passphrase",
      });
      const theirs = generateCtf({ from: "3041001", to: "XXXXXXX", pupils: 1, seed: 92 });
      const other = await sendAndCheck(
        t,
        await t.token("elsewhere-school"),
        "3041001_CTF_XXXXXXX_001.XML",
        writeCtf(theirs),
      );
      expect(other.status).toBe("lost");

      const search = async (body: Record<string, unknown>) =>
        json(await post(la, "/api/v1/lost-pupils/search", body));
      // By a former surname, misspelt.
      const byFormer = await search({ surname: "Whitfeld", dob: "2013-03-09" });
      expect(byFormer.pupils).toHaveLength(1);
      expect(byFormer.pupils[0]).toMatchObject({
        transferId: lost.id,
        sourceName: "Brookfield Primary School",
        status: "lost",
        why: ['former surname "Whitfield", like "whitfeld"', "date of birth"],
      });
      // Day and month swapped, or a few days out, still find the child and say so; a date with
      // a name nobody near it has finds nobody.
      const swapped = await search({ surname: "Okafor", dob: "2013-09-03" });
      expect(swapped.pupils.map((x: { transferId: string }) => x.transferId)).toEqual([lost.id]);
      expect(swapped.pupils[0].why).toContain("date of birth with day and month swapped");
      expect((await search({ surname: "Okafor", dob: "2013-03-11" })).pupils[0].why).toContain(
        "born 2 days from the date given",
      );
      expect((await search({ surname: "Zzyzx", dob: "2013-03-09" })).pupils).toHaveLength(0);
      // Narrowed by sending school, LA, register and sex.
      const narrowed = { surname: "Okafor", dob: "2013-03-09" };
      expect((await search({ ...narrowed, from: "8231234" })).pupils).toHaveLength(1);
      expect((await search({ ...narrowed, from: "823" })).pupils[0].why).toContain(
        "sending school's LA",
      );
      expect((await search({ ...narrowed, from: "3041001" })).pupils).toHaveLength(0);
      expect((await search({ ...narrowed, register: "outside" })).pupils).toHaveLength(0);
      expect(
        (await search({ ...narrowed, sex: pupil.sex === "M" ? "F" : "M" })).pupils,
      ).toHaveLength(0);
      const wrongFrom = await post(la, "/api/v1/lost-pupils/search", { ...narrowed, from: "82" });
      expect(wrongFrom.status).toBe(400);
      expect((await json(wrongFrom)).error.field).toBe("from");

      // Browsing: its own schools' entries, newest first; not another LA's; not for schools.
      const browsed = await json(await t.api(la, "/api/v1/lost-pupils/register/lost"));
      const ids = browsed.pupils.map((x: { transferId: string }) => x.transferId);
      expect(ids).toContain(lost.id);
      expect(ids).not.toContain(other.id);
      expect((await t.api(la, "/api/v1/lost-pupils/register/elsewhere")).status).toBe(400);
      expect(
        (await t.api(await t.token("brookfield"), "/api/v1/lost-pupils/register/lost")).status,
      ).toBe(403);
    });

    it("e-mails an LA user who asked when a file from one of its schools goes to a register", async () => {
      const school = await t.token("brookfield");
      const notices = (token: string, registerFiles: boolean) =>
        t.api(token, "/api/v1/me/notices", {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ registerFiles }),
        });
      expect(await json(await notices(la, true))).toEqual({
        registerFiles: true,
        downloadedFiles: true,
      });
      const refused = await notices(school, true);
      expect(refused.status).toBe(403);
      const doc = generateCtf({ from: "8231234", to: "MMMMMMM", pupils: 2, seed: 95 });
      const sent = await sendAndCheck(t, school, "8231234_CTF_MMMMMMM_095.XML", writeCtf(doc));
      expect(sent.status).toBe("outside");
      await t.hub.deliverMail();
      const told = t.smtp
        .to("northshire-la@users.invalid")
        .filter(
          (m) =>
            m.subject === "S2S: a file from one of your schools is in the out of sector register",
        );
      expect(told).toHaveLength(1);
      expect(told[0]?.text).toContain("Brookfield Primary School (8231234)");
      expect(told[0]?.text).toContain(`${t.url}/received/${sent.id}`);
      for (const p of doc.pupils) {
        expect(told[0]?.text).not.toContain(p.surname as string);
        expect(told[0]?.text).not.toContain(p.upn as string);
      }
      // Turned off, no more.
      expect((await notices(la, false)).status).toBe(200);
      const again = generateCtf({ from: "8231234", to: "XXXXXXX", pupils: 1, seed: 96 });
      expect(
        (await sendAndCheck(t, school, "8231234_CTF_XXXXXXX_096.XML", writeCtf(again))).status,
      ).toBe("lost");
      await t.hub.deliverMail();
      expect(
        t.smtp
          .to("northshire-la@users.invalid")
          .filter((m) => /is in the Lost Pupils database/.test(m.subject ?? "")),
      ).toHaveLength(0);
    });

    it("passes one pupil of an out-of-sector file on, keeping the rest in the register", async () => {
      const doc = generateCtf({ from: "8231234", to: "MMMMMMM", pupils: 3, seed: 97 });
      // Names in capitals: a warning on the pupil passed on and one on the pupil after them.
      for (const i of [1, 2]) {
        const pupil = doc.pupils[i];
        if (pupil?.surname) pupil.surname = pupil.surname.toUpperCase();
      }
      const sent = await sendAndCheck(
        t,
        await t.token("brookfield"),
        "8231234_CTF_MMMMMMM_097.XML",
        writeCtf(doc),
      );
      expect(sent.status).toBe("outside");
      const [first, second, third] = doc.pupils;
      const passed = await post(la, `/api/v1/transfers/${sent.id}/redirect`, {
        to: "8231235",
        pupil: 2,
      });
      expect(passed.status).toBe(200);
      const one = await json(passed);
      expect(one).toMatchObject({ destination: { laestab: "8231235" } });
      expect(one.id).not.toBe(sent.id);
      // The new file: checked and waiting for the school, holding that pupil alone.
      await createUser(t.hub.ctx, null, {
        username: "hillcrest-office",
        email: "office@8231235.invalid",
        role: "school",
        establishment: "8231235",
        password: "hillcrest's long passphrase",
      });
      const hillcrest = await t.token("hillcrest-office");
      const checked = await untilChecked(t, hillcrest, one.id);
      expect(checked).toMatchObject({
        status: "available",
        pupilCount: 1,
        source: { laestab: "8231234" },
      });
      await t.hub.deliverMail();
      const told = await eventually("the school's notice", async () =>
        t.smtp
          .to("office@8231235.invalid")
          .find((m) => (m.text ?? "").includes(`Open it: ${t.url}/received/${one.id}`)),
      );
      expect(told.text).toContain("Northshire (LA 823) has passed on to your school");
      expect((await post(hillcrest, `/api/v1/transfers/${one.id}/accept`)).status).toBe(200);
      const bytes = await (await t.api(hillcrest, `/api/v1/transfers/${one.id}/content`)).text();
      const read = await readCtf(new TextEncoder().encode(bytes), {});
      expect(read.document?.pupils.map((x) => x.upn)).toEqual([second?.upn]);
      // DestSchool holds LEA, Estab and URN (the directory's) only: a name is not among them.
      const hillcrestUrn = (await findEstablishment(t.hub.ctx.db, "8231235"))?.urn;
      expect(hillcrestUrn).toMatch(/^\d{6}$/);
      expect(read.document?.header.destSchool).toEqual({
        lea: "823",
        estab: "1235",
        urn: hillcrestUrn,
      });
      // The register keeps the other two, renumbered, and its file holds only them.
      const left = await json(await t.api(la, `/api/v1/transfers/${sent.id}/pupils`));
      expect(
        left.pupils.map((x: { position: number; upn: string }) => [x.position, x.upn]),
      ).toEqual([
        [1, first?.upn],
        [2, third?.upn],
      ]);
      const register = await json(await t.api(la, `/api/v1/transfers/${sent.id}`));
      expect(register.pupilCount).toBe(2);
      // Its findings were checked again: the passed pupil's have gone with them, and the third
      // pupil's warning names them where the register's file now holds them.
      const capitals = (fs: { code: string; pupil: { position: number; upn: string } }[]) =>
        fs.filter((f) => f.code === "pupil.name.capitals").map((f) => f.pupil);
      expect(capitals(sent.warnings)).toMatchObject([
        { position: 2, upn: second?.upn },
        { position: 3, upn: third?.upn },
      ]);
      expect(capitals(register.warnings)).toMatchObject([{ position: 2, upn: third?.upn }]);
      // A single pupil's file goes whole; a position past the end is refused.
      const beyond = await post(la, `/api/v1/transfers/${sent.id}/redirect`, {
        to: "8231235",
        pupil: 3,
      });
      expect(beyond.status).toBe(400);
      expect((await json(beyond)).error.message).toContain("from 1 to 2");
    });

    it("searches name one child, come a page at a time, and are limited per user", async () => {
      // An out-of-sector file of 25 pupils of one surname, born the same day.
      const doc = generateCtf({ from: "8231234", to: "MMMMMMM", pupils: 25, seed: 77 });
      for (const p of doc.pupils) {
        p.surname = "Okonkwo";
        p.dob = "2014-06-01";
      }
      const sent = await sendAndCheck(
        t,
        await t.token("brookfield"),
        "8231234_CTF_MMMMMMM_077.XML",
        writeCtf(doc),
      );
      expect(sent.status).toBe("outside");
      const search = (body: Record<string, unknown>) =>
        post(la, "/api/v1/lost-pupils/search", body);
      for (const [what, body, field] of [
        ["a surname alone", { surname: "Okonkwo" }, "dob"],
        ["a date alone", { dob: "2014-06-01" }, "surname"],
        [
          "walking the register",
          { surname: "O", dobFrom: "1900-01-01", dobTo: "2100-01-01" },
          "surname",
        ],
        [
          "a range over a year",
          { surname: "Okonkwo", dobFrom: "2013-01-01", dobTo: "2014-06-02" },
          "dobTo",
        ],
        ["half a range", { surname: "Okonkwo", dobFrom: "2014-01-01" }, "dob"],
        ["a UPN that is not one", { upn: "12345" }, "upn"],
      ] as const) {
        const r = await search(body);
        expect(r.status, what).toBe(400);
        expect((await json(r)).error.field, what).toBe(field);
      }
      const first = await json(await search({ surname: "okonkwo", dob: "2014-06-01" }));
      expect(first.pupils).toHaveLength(20);
      expect(first).toMatchObject({ page: 1, more: true });
      const second = await json(
        await search({ surname: "okonkwo", dobFrom: "2014-01-01", dobTo: "2014-12-31", page: 2 }),
      );
      expect(second.pupils).toHaveLength(5);
      expect(second).toMatchObject({ page: 2, more: false });
      // Sixty searches an hour, then 429; the administrators hear once.
      const before = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("username", "=", "northshire-la")
        .where("action", "=", "search")
        .executeTakeFirstOrThrow();
      const answers: number[] = [];
      for (let i = Number(before.n); i < 62; i++)
        answers.push((await search({ surname: "Okonkwo", dob: "2014-06-01" })).status);
      expect(answers.slice(0, -2).every((a) => a === 200)).toBe(true);
      expect(answers.slice(-2)).toEqual([429, 429]);
      await t.hub.deliverMail();
      const alerts = t.smtp
        .to("admin@users.invalid")
        .filter((m) => /search limit/.test(m.subject ?? ""));
      expect(alerts).toHaveLength(1);
      expect(alerts[0]?.text).toContain("northshire-la");
      // The limit is each user's own: a colleague at the same LA may still search.
      await createUser(t.hub.ctx, null, {
        username: "northshire-colleague",
        email: "colleague@la.invalid",
        role: "la",
        laCode: "823",
        password: "a colleague's long passphrase",
      });
      const colleague = await t.token("northshire-colleague");
      const theirs = await post(colleague, "/api/v1/lost-pupils/search", { upn: "A123456789012" });
      expect(theirs.status).toBe(200);
    });
  });
}

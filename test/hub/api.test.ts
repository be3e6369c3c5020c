import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { createToken } from "../../src/hub/tokens.js";
import { createUser } from "../../src/hub/users.js";
import { readAll } from "../../src/platform/store/blob-store.js";
import { ctfXml, pupilXml } from "../helpers/ctf.js";
import { DATABASES } from "../helpers/db.js";
import {
  addElsewhere,
  eventually,
  json,
  startTestHub,
  type TestHub,
  untilChecked,
  uploadCtf,
} from "../helpers/hub.js";
import { wordDocument } from "../helpers/office.js";
import { PageClient } from "../helpers/pages.js";

const NOW = new Date("2026-11-02T09:00:00Z");

type Operation = { responses?: Record<string, { description?: string; content?: unknown }> };

function ctfFor(from: string, to: string, pupils: number, seed: number) {
  const doc = generateCtf({ from, to, pupils, seed, now: NOW });
  return { doc, xml: writeCtf(doc) };
}

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the hub's API on ${target.name}`, () => {
    let t: TestHub;
    let brookfield = ""; // school 8231234 (sender)
    let meadow = ""; // school 9382001 (destination)
    let hillcrest = ""; // another school, 8231235
    let otherLa = ""; // an LA with no part in these files
    let southvale = ""; // the destination's LA
    let admin = "";

    beforeAll(async () => {
      t = await startTestHub(target.name);
      const ctx = t.hub.ctx;
      await addElsewhere(t);
      await createUser(ctx, null, {
        username: "hillcrest",
        email: "h@users.invalid",
        role: "school",
        establishment: "8231235",
      });
      await createUser(ctx, null, {
        username: "elsewhere-la",
        email: "e@users.invalid",
        role: "la",
        laCode: "304",
      });
      brookfield = await t.token("brookfield");
      meadow = await t.token("meadowlane");
      hillcrest = await t.token("hillcrest");
      otherLa = await t.token("elsewhere-la");
      southvale = await t.token("southvale-la");
      admin = await t.token("admin");
    }, 120_000);
    afterAll(() => t?.stop());

    const upload = (
      token: string,
      fileName: string,
      xml: string | Uint8Array,
      as?: "multipart" | "raw",
    ) => uploadCtf(t, token, fileName, xml, as ? { as } : {});
    const checked = (token: string, id: string) => untilChecked(t, token, id);

    it("carries a file from one school to another, exactly, and tells both", async () => {
      const { doc, xml } = ctfFor("8231234", "9382001", 4, 1);
      const up = await upload(brookfield, "8231234_CTF_9382001_001.XML", xml);
      expect(up.status).toBe(202);
      const { id, status } = await json(up);
      expect(status).toBe("checking");
      const view = await checked(brookfield, id);
      expect(view).toMatchObject({
        status: "available",
        pupilCount: 4,
        errors: [],
        destination: { laestab: "9382001", name: "Meadow Lane Primary School" },
      });

      const inbox = await json(await t.api(meadow, "/api/v1/inbox"));
      expect(inbox.transfers.map((x: { id: string }) => x.id)).toContain(id);

      const pupils = await json(await t.api(meadow, `/api/v1/transfers/${id}/pupils`));
      expect(
        pupils.pupils.map((p: { upn: string; surname: string; dob: string }) => [
          p.upn,
          p.surname,
          p.dob,
        ]),
      ).toEqual(doc.pupils.map((p) => [p.upn, p.surname, p.dob]));

      // Not before accepting, and the refusal says what to do instead, in words.
      const early = await t.api(meadow, `/api/v1/transfers/${id}/content`);
      expect(early.status).toBe(409);
      expect((await json(early)).error.message).toBe(
        "You cannot download this file: it is waiting to be collected. Accept it first (POST .../accept); a file can be downloaded once accepted.",
      );
      // As curl sends it: a JSON content type and no body at all.
      const accepted = await t.api(meadow, `/api/v1/transfers/${id}/accept`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      expect(accepted.status).toBe(200);
      expect((await json(accepted)).status).toBe("downloaded");
      const garbled = await t.api(meadow, `/api/v1/transfers/${id}/accept`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      });
      expect(garbled.status).toBe(400);
      expect((await json(garbled)).error.message).toContain("The body is not valid JSON");
      const content = await t.api(meadow, `/api/v1/transfers/${id}/content`);
      expect(content.status).toBe(200);
      expect(content.headers.get("content-disposition")).toContain("8231234_CTF_9382001_001.XML");
      expect(Buffer.from(await content.arrayBuffer()).equals(Buffer.from(xml))).toBe(true);
      // Re-download while held.
      expect((await t.api(meadow, `/api/v1/transfers/${id}/content`)).status).toBe(200);

      const sent = await json(await t.api(brookfield, "/api/v1/sent"));
      expect(sent.transfers.find((x: { id: string }) => x.id === id)).toMatchObject({
        status: "downloaded",
        downloadedAt: expect.any(String),
      });

      const mail = await eventually("the destination's e-mail", async () => {
        const m = t.smtp.to("office@9382001.schools.invalid");
        return m.length > 0 ? m : undefined;
      });
      expect(mail[0]?.subject).toBe("S2S: a Common Transfer File is waiting for you");
      expect(mail[0]?.text).toContain(`Open it: ${t.url}/received/${id}`);
      expect(mail[0]?.text).toContain("The file: 8231234_CTF_9382001_001.XML");
      // 60 days from the check (the test's clock), in words.
      expect(mail[0]?.text).toContain("S2S will delete it on 1 January 2027.");
      expect(mail[0]?.text).toContain("Brookfield Primary School (8231234)");
      for (const p of doc.pupils) {
        expect(mail[0]?.text).not.toContain(p.surname as string);
        expect(mail[0]?.subject).not.toContain(p.surname as string);
      }

      // The file's story, each side seeing the other as a school, not as its staff.
      await t.hub.deliverMail();
      const story = async (token: string) =>
        (await json(await t.api(token, `/api/v1/transfers/${id}/history`))).events as {
          kind: string;
          text: string;
        }[];
      const told = await story(brookfield);
      expect(told.map((e) => e.kind)).toEqual(
        expect.arrayContaining([
          "upload",
          "transfer.checked",
          "mail",
          "look",
          "accept",
          "download",
        ]),
      );
      expect(told.find((e) => e.kind === "download")?.text).toBe(
        "Downloaded by Meadow Lane Primary School (9382001)",
      );
      expect(JSON.stringify(told)).not.toContain("meadowlane");
      expect((await story(meadow)).find((e) => e.kind === "accept")?.text).toBe(
        "Accepted by meadowlane (Meadow Lane Primary School (9382001))",
      );
      expect((await t.api(hillcrest, `/api/v1/transfers/${id}/history`)).status).toBe(404);
      // The sender checking on its own file (its MIS, every few minutes) is not a look to anyone.
      for (let i = 0; i < 3; i++) await t.api(brookfield, `/api/v1/transfers/${id}`);
      const seen = await story(meadow);
      expect(seen.filter((e) => e.text.startsWith("Looked at by Brookfield"))).toEqual([]);

      const audit = await json(await t.api(admin, "/api/v1/admin/audit?limit=50"));
      const actions = audit.events
        .filter((e: { target: string }) => e.target === `transfer:${id}`)
        .map((e: { action: string }) => e.action);
      expect(actions).toEqual(
        expect.arrayContaining(["upload", "transfer.checked", "pupils.view", "download"]),
      );
    });

    it("takes raw XML with ?filename= as well", async () => {
      const { xml } = ctfFor("8231234", "9382001", 1, 2);
      const up = await upload(brookfield, "8231234_CTF_9382001_002.XML", xml, "raw");
      expect(up.status).toBe(202);
      expect(await checked(brookfield, (await json(up)).id)).toMatchObject({
        status: "available",
      });
    });

    it("the inbox holds what awaits the school, a page at a time; downloaded files on request", async () => {
      const ids: string[] = [];
      for (const seq of [31, 32, 33]) {
        const { xml } = ctfFor("8231234", "9382001", 1, seq);
        const { id } = await json(await upload(brookfield, `8231234_CTF_9382001_0${seq}.XML`, xml));
        await checked(brookfield, id);
        ids.push(id);
      }
      const taken = ids[0] as string;
      expect(
        (await t.api(meadow, `/api/v1/transfers/${taken}/accept`, { method: "POST" })).status,
      ).toBe(200);
      const of = async (q: string) => json(await t.api(meadow, `/api/v1/inbox${q}`));
      const waiting = await of("");
      const waitingIds = waiting.transfers.map((x: { id: string }) => x.id);
      expect(waitingIds).toEqual(expect.arrayContaining(ids.slice(1)));
      expect(waitingIds).not.toContain(taken);
      expect(waiting.transfers.every((x: { status: string }) => x.status === "available")).toBe(
        true,
      );
      const both = await of("?status=available,downloaded");
      expect(both.transfers.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(ids));
      expect((await of("?status=downloaded")).transfers.map((x: { id: string }) => x.id)).toContain(
        taken,
      );
      // Pages, oldest first, without a file twice or one left out.
      const pages = [];
      for (let page = 1; ; page++) {
        const got = await of(`?status=available,downloaded&pageSize=2&page=${page}`);
        expect(got.total).toBe(both.transfers.length);
        expect(got.transfers.length).toBeLessThanOrEqual(2);
        pages.push(...got.transfers.map((x: { id: string }) => x.id));
        if (!got.more) break;
      }
      expect(pages).toEqual(both.transfers.map((x: { id: string }) => x.id));
      const wrong = await t.api(meadow, "/api/v1/inbox?status=rejected");
      expect(wrong.status).toBe(400);
      expect((await json(wrong)).error.message).toContain('"rejected" is neither');
    });

    it("lists a large file's pupils a page at a time, each page audited", async () => {
      const { doc, xml } = ctfFor("8231234", "9382001", 230, 77);
      const { id } = await json(await upload(brookfield, "8231234_CTF_9382001_077.XML", xml));
      await checked(brookfield, id);
      const page = async (n: number) =>
        json(await t.api(meadow, `/api/v1/transfers/${id}/pupils?page=${n}`));
      const first = await page(1);
      expect(first).toMatchObject({ page: 1, pages: 3, total: 230 });
      expect(first.pupils.map((x: { position: number }) => x.position)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      const last = await page(3);
      expect(last.pupils).toHaveLength(30);
      expect(last.pupils[29]).toMatchObject({
        position: 230,
        surname: doc.pupils[229]?.surname,
      });
      expect((await page(4)).pupils).toEqual([]);
      const looks = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "pupils.view")
        .where("target", "=", `transfer:${id}`)
        .orderBy("id")
        .execute();
      expect(looks.map((l) => (l.detail as { page: number }).page)).toEqual([1, 3, 4]);
    });

    it("rejects with a reason, and the sender is told why", async () => {
      const { doc, xml } = ctfFor("8231234", "9382001", 2, 3);
      const { id } = await json(await upload(brookfield, "8231234_CTF_9382001_003.XML", xml));
      await checked(brookfield, id);
      const tooShort = await t.api(meadow, `/api/v1/transfers/${id}/reject`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: "" }),
      });
      expect(tooShort.status).toBe(400);
      // A pupil's name from the file must not travel by e-mail: the receiver is asked to take it out.
      const surname = doc.pupils[1]?.surname as string;
      const named = await t.api(meadow, `/api/v1/transfers/${id}/reject`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: `We have no pupil called ${surname.toLowerCase()}.` }),
      });
      expect(named.status).toBe(400);
      expect((await json(named)).error).toMatchObject({
        field: "reason",
        message: expect.stringContaining(`Your reason contains "${surname}"`),
      });
      // Nor a UPN in groups, a date of birth however written, or a link (an outside test's).
      const pupil = doc.pupils[0] as NonNullable<(typeof doc.pupils)[number]>;
      const upn = pupil.upn as string;
      const [y, m, d] = (pupil.dob as string).split("-");
      const months = ["January", "February", "March", "April", "May", "June", "July"];
      const monthName = [...months, "August", "September", "October", "November", "December"][
        Number(m) - 1
      ];
      for (const [reason, says] of [
        [`UPN ${upn.slice(0, 4)} ${upn.slice(4, 8)} ${upn.slice(8)} is not ours`, upn],
        [`UPN ${upn.slice(0, 1)}-${upn.slice(1)} is not ours`, upn],
        [`The child born ${Number(d)}/${Number(m)}/${y} never came`, pupil.dob],
        [`The child born ${d}.${m}.${(y as string).slice(2)} never came`, pupil.dob],
        [`The child born ${Number(d)} ${monthName} ${y} never came`, pupil.dob],
        [`The child born ${pupil.dob} never came`, pupil.dob],
        ["See https://evil.example.org/why for the reason", "a web address"],
        ["Details at www.example.org", "a web address"],
      ] as const) {
        const refused = await t.api(meadow, `/api/v1/transfers/${id}/reject`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ reason }),
        });
        expect(refused.status, reason).toBe(400);
        expect((await json(refused)).error.message, reason).toContain(says);
      }
      expect((await json(await t.api(meadow, `/api/v1/transfers/${id}`))).status).toBe("available");
      const r = await t.api(meadow, `/api/v1/transfers/${id}/reject`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: "This pupil never joined us" }),
      });
      expect((await json(r)).status).toBe("rejected");
      const sent = await json(await t.api(brookfield, "/api/v1/sent"));
      expect(sent.transfers.find((x: { id: string }) => x.id === id)).toMatchObject({
        status: "rejected",
        rejectReason: "This pupil never joined us",
      });
      const mail = await eventually("the rejection e-mail", async () => {
        const m = t.smtp
          .to("brookfield@users.invalid")
          .filter((x) => x.subject?.includes("rejected"));
        return m.length > 0 ? m : undefined;
      });
      // Quoted as the receiver's own words, not the service's.
      expect(mail[0]?.text).toContain("in their own words (not checked by S2S)");
      expect(mail[0]?.text).toContain("> This pupil never joined us");
      expect(mail[0]?.text).toContain("Meadow Lane Primary School (9382001)");
      // Straight to the file's page, named, with when it goes.
      expect(mail[0]?.text).toContain(`Open it: ${t.url}/sent/${id}`);
      expect(mail[0]?.text).toContain("The file: 8231234_CTF_9382001_003.XML");
      expect(mail[0]?.text).toMatch(/S2S will delete it on \d{1,2} [A-Z][a-z]+ \d{4}\./);
    });

    it("fails a file with errors and tells the sender what and where", async () => {
      const xml = ctfXml(
        `${pupilXml("<Surname>Extra</Surname>")}<Pupil><UPN>H801200001001</UPN><Forename>Ann</Forename><DOB>2015-10-02</DOB><Sex>F</Sex></Pupil>`,
        {
          dest: "9382001",
        },
      );
      const at = xml.lastIndexOf("<Pupil>");
      const line = xml.slice(0, at).split("\n").length;
      const column = at - xml.lastIndexOf("\n", at - 1);
      const { id } = await json(await upload(brookfield, "8231234_CTF_9382001_004.XML", xml));
      const view = await checked(brookfield, id);
      expect(view.status).toBe("failed");
      expect(view.errors).toContainEqual(
        expect.objectContaining({
          code: "pupil.surname.missing",
          line,
          column,
          pupil: { position: 2, upn: "H801200001001", name: "Ann" },
        }),
      );
      // The destination never sees a failed file.
      expect((await t.api(meadow, `/api/v1/transfers/${id}`)).status).toBe(404);
      const mail = await eventually("the failure e-mail", async () => {
        const m = t.smtp
          .to("brookfield@users.invalid")
          .filter((x) => x.subject?.includes("could not be accepted"));
        return m.length > 0 ? m : undefined;
      });
      // The page's words, by position: no pupil's name or UPN goes by e-mail.
      expect(mail[0]?.text).toContain(
        `- Pupil 2: the surname is missing (line ${line}, column ${column}; pupil.surname.missing)`,
      );
      expect(mail[0]?.text).not.toContain("H801200001001");
      expect(mail[0]?.text).not.toContain("Ann");
    });

    it("calls a Word document sent as a CTF what it is, on the page and in the e-mail alike", async () => {
      const { id } = await json(
        await upload(brookfield, "8231234_CTF_9382001_005.XML", wordDocument("Transfer notes")),
      );
      const view = await checked(brookfield, id);
      expect(view.status).toBe("failed");
      const words = "The file is a Word document (.docx), not a CTF, whatever its name says";
      const page = new PageClient(t.url);
      await page.signIn("brookfield", "demo-password-only");
      const html = await (await page.request(`/sent/${id}`)).text();
      expect(html).toContain(words);
      const mail = await eventually("the failure e-mail", async () =>
        t.smtp
          .to("brookfield@users.invalid")
          .find((x) => x.subject === "S2S: 8231234_CTF_9382001_005.XML could not be accepted"),
      );
      expect(mail.text).toContain(words);
    });

    it("refuses a DfE service's file as an upload: its sender is not the uploader", async () => {
      // Valid for a school to import, never to pass off as a school's own upload.
      const fromDfe = ctfXml(pupilXml(), { source: "XXXXXXX", dest: "9382001" });
      const named = await upload(brookfield, "XXXXXXX_CTF_9382001_001.XML", fromDfe);
      expect(named.status).toBe(400);
      expect(await json(named)).toMatchObject({ error: { code: "upload.name" } });
      const { id } = await json(await upload(brookfield, "8231234_CTF_9382001_016.XML", fromDfe));
      const view = await checked(brookfield, id);
      expect(view.status).toBe("failed");
      expect(view.errors).toContainEqual(expect.objectContaining({ code: "file.name.mismatch" }));
    });

    it("refuses a destination that is unknown or independent, naming it", async () => {
      const unknown = await upload(
        brookfield,
        "8231234_CTF_8239999_001.XML",
        ctfFor("8231234", "8239999", 1, 4).xml,
      );
      const v1 = await checked(brookfield, (await json(unknown)).id);
      expect(v1.errors).toEqual([
        expect.objectContaining({
          code: "destination.unknown",
          message: expect.stringContaining("8239999"),
        }),
      ]);
      const independent = await upload(
        brookfield,
        "8231234_CTF_8236000_001.XML",
        ctfFor("8231234", "8236000", 1, 5).xml,
      );
      const v2 = await checked(brookfield, (await json(independent)).id);
      expect(v2.errors[0].message).toContain("MMMMMMM");
    });

    it("files a lost pupil as lost, and an out-of-sector one as outside", async () => {
      const lost = await upload(
        brookfield,
        "8231234_CTF_XXXXXXX_001.XML",
        ctfFor("8231234", "XXXXXXX", 1, 6).xml,
      );
      expect(await checked(brookfield, (await json(lost)).id)).toMatchObject({
        status: "lost",
        destination: { kind: "lost" },
      });
      const out = await upload(
        brookfield,
        "8231234_CTF_MMMMMMM_001.XML",
        ctfFor("8231234", "MMMMMMM", 2, 7).xml,
      );
      expect(await checked(brookfield, (await json(out)).id)).toMatchObject({ status: "outside" });
    });

    it("lets an LA find a lost pupil by a misspelt name and pass the file to their new school", async () => {
      const { doc, xml } = ctfFor("8231234", "XXXXXXX", 1, 21);
      const pupil = doc.pupils[0];
      if (!pupil?.surname || !pupil.dob) throw new Error("no pupil");
      const { id } = await json(await upload(brookfield, "8231234_CTF_XXXXXXX_002.XML", xml));
      expect(await checked(brookfield, id)).toMatchObject({ status: "lost" });
      // One letter wrong, as a name heard over the phone might be.
      const misspelt = `${pupil.surname.slice(0, -1)}${pupil.surname.endsWith("e") ? "a" : "e"}`;
      const search = (token: string, query: string) => t.api(token, `/api/v1/lost-pupils?${query}`);
      const found = await json(
        await search(southvale, `surname=${encodeURIComponent(misspelt)}&dob=${pupil.dob}`),
      );
      expect(found.pupils).toContainEqual(
        expect.objectContaining({ transferId: id, upn: pupil.upn, surname: pupil.surname }),
      );
      const posted = await json(
        await t.api(southvale, "/api/v1/lost-pupils/search", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ surname: misspelt, dob: pupil.dob }),
        }),
      );
      expect(posted.pupils.map((x: { transferId: string }) => x.transferId)).toContain(id);
      const byUpn = await json(await search(southvale, `upn=${pupil.upn}`));
      expect(byUpn.pupils.map((x: { transferId: string }) => x.transferId)).toEqual([id]);
      expect((await search(meadow, `upn=${pupil.upn}`)).status).toBe(403);
      // Administrators never search pupil data (test/hub/administrators.test.ts has more).
      expect((await search(admin, `upn=${pupil.upn}`)).status).toBe(403);
      expect((await search(southvale, "")).status).toBe(400);
      const audit = await json(await t.api(admin, "/api/v1/admin/audit?action=search"));
      expect(audit.events.length).toBeGreaterThanOrEqual(2);

      // A school cannot redirect; the LA can, and the school then has the file.
      const body = (to: string) => ({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ to }),
      });
      expect(
        (await t.api(meadow, `/api/v1/transfers/${id}/redirect`, body("9382001"))).status,
      ).toBe(404);
      expect(
        (await t.api(southvale, `/api/v1/transfers/${id}/redirect`, body("8236000"))).status,
      ).toBe(400);
      const moved = await json(
        await t.api(southvale, `/api/v1/transfers/${id}/redirect`, body("9382001")),
      );
      expect(moved).toMatchObject({ status: "available", destination: { laestab: "9382001" } });
      const inbox = await json(await t.api(meadow, "/api/v1/inbox"));
      expect(inbox.transfers.map((x: { id: string }) => x.id)).toContain(id);
      // No longer in the register.
      expect((await json(await search(southvale, `upn=${pupil.upn}`))).pupils).toEqual([]);
    });

    it("lets a school report a correction to its record, which administrators see", async () => {
      const mine = await json(await t.api(meadow, "/api/v1/my-school"));
      expect(mine).toMatchObject({
        laestab: "9382001",
        name: "Meadow Lane Primary School",
        la: { code: "938" },
      });
      const body = {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "Our phase is primary, not middle." }),
      };
      expect((await t.api(meadow, "/api/v1/my-school/corrections", body)).status).toBe(201);
      expect((await t.api(southvale, "/api/v1/my-school/corrections", body)).status).toBe(403);
      expect((await t.api(meadow, "/api/v1/admin/corrections")).status).toBe(403);
      const list = await json(await t.api(admin, "/api/v1/admin/corrections"));
      expect(list.corrections).toContainEqual(
        expect.objectContaining({
          laestab: "9382001",
          reportedBy: "meadowlane",
          text: "Our phase is primary, not middle.",
        }),
      );
    });

    it("lets an administrator create, disable and reset users, and revoke tokens", async () => {
      const post = (path: string, body: object) =>
        t.api(admin, path, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const made = await post("/api/v1/admin/users", {
        username: "new-office",
        email: "n@users.invalid",
        role: "school",
        establishment: "9382003",
      });
      expect(made.status).toBe(201);
      const reply = await json(made);
      const { user, awaitingApproval } = reply;
      expect(awaitingApproval).toBe(true);
      // The administrator never knows the password: the user chooses it from the e-mailed link,
      // sent once the school approves the account (account-approvals.test.ts).
      expect(JSON.stringify(reply)).not.toMatch(/password/i);
      const asked = await eventually("the school asked to approve", async () => {
        await t.hub.deliverMail();
        const text = t.smtp.to("office@9382003.schools.invalid").map((m) => m.text ?? "");
        return text.map((m) => /\/approve-account\/[A-Za-z0-9_-]+/.exec(m)?.[0]).find(Boolean);
      });
      const school = new PageClient(t.url);
      await school.post(asked, { _csrf: await school.token(), decision: "approve" });
      const choose = async (link: string, password: string) => {
        const page = new PageClient(t.url);
        const _csrf = await page.token();
        const r = await page.post(link, { _csrf, password, confirm: password });
        expect(r.status, await r.clone().text()).toBe(303);
      };
      const password = "the office's own long passphrase";
      const welcome = await t.signInLink("n@users.invalid");
      await choose(welcome, password);
      expect(
        (await post("/api/v1/admin/users", { username: "x", email: "bad", role: "school" })).status,
      ).toBe(400);
      expect((await t.api(meadow, "/api/v1/admin/users")).status).toBe(403);
      const users = await json(await t.api(admin, "/api/v1/admin/users"));
      expect(
        users.users.find((u: { username: string }) => u.username === "new-office"),
      ).toMatchObject({ role: "school", establishment: "9382003" });
      expect(JSON.stringify(users)).not.toContain("argon2");

      const signIn = (pw: string) =>
        t.api(undefined, "/api/v1/session", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "new-office", password: pw }),
        });
      expect((await signIn(password)).status).toBe(200);
      // Only the user (or the operator) makes a token; the administrator may revoke it.
      expect((await post("/api/v1/admin/tokens", { username: "new-office" })).status).toBe(404);
      const tokenReply = await createToken(t.hub.ctx, null, "new-office");
      expect((await t.api(tokenReply.token, "/api/v1/me")).status).toBe(200);
      expect(
        (await t.api(admin, `/api/v1/admin/tokens/${tokenReply.id}`, { method: "DELETE" })).status,
      ).toBe(204);
      expect((await t.api(tokenReply.token, "/api/v1/me")).status).toBe(401);

      expect(
        (await post(`/api/v1/admin/users/${user.id}/disable`, { disabled: true })).status,
      ).toBe(204);
      expect((await signIn(password)).status).toBe(403);
      expect(
        (await post(`/api/v1/admin/users/${user.id}/disable`, { disabled: false })).status,
      ).toBe(204);
      const me = await json(await t.api(admin, "/api/v1/me"));
      const self = await post(`/api/v1/admin/users/${me.id}/disable`, { disabled: true });
      expect(self.status).toBe(400);
      expect((await json(self)).error.message).toContain("cannot disable your own account");
      const reset = await json(await post(`/api/v1/admin/users/${user.id}/reset-password`, {}));
      expect(reset).toEqual({ linkSentTo: "n@users.invalid" });
      const link = await t.signInLink("n@users.invalid", welcome);
      // Until the link is used the old password still works; then only the new one does, and
      // the link works once.
      expect((await signIn(password)).status).toBe(200);
      await choose(link, "a completely different passphrase");
      expect((await signIn(password)).status).toBe(401);
      expect((await signIn("a completely different passphrase")).status).toBe(200);
      const again = new PageClient(t.url);
      expect((await again.request(link)).status).toBe(410);
    });

    it("sweeps stored files that no transfer refers to, once they are a day old", async () => {
      const { sweepOrphans } = await import("../../src/hub/retention.js");
      const { listInFlight } = await import("../../src/hub/files-in-flight.js");
      // Every upload so far committed: none is left on the sweep's list.
      const inFlight = await t.hub.ctx.db.selectFrom("files_in_flight").selectAll().execute();
      expect(inFlight).toEqual([]);
      // An upload whose process died after writing the file, before its row committed.
      await listInFlight(t.hub.ctx.db, ["0rphan00-0000-4000-8000-000000000000"], new Date());
      await t.hub.ctx.store.put(
        "0rphan00-0000-4000-8000-000000000000",
        Buffer.from("left by a crash"),
      );
      const kept = await t.hub.ctx.db
        .selectFrom("transfers")
        .select("store_key")
        .where("store_key", "is not", null)
        .execute();
      const later = new Date(Date.now() + 2 * 86_400_000);
      expect(await sweepOrphans(t.hub.ctx, later)).toBe(1);
      await expect(t.hub.ctx.store.get("0rphan00-0000-4000-8000-000000000000")).rejects.toThrow();
      for (const k of kept)
        expect(
          (await readAll(await t.hub.ctx.store.get(k.store_key as string))).length,
        ).toBeGreaterThan(0);
    });

    it("delivers a file addressed to a local authority (LLLL) to that LA, and mails it", async () => {
      const { id } = await json(
        await upload(
          brookfield,
          "8231234_CTF_938LLLL_001.XML",
          ctfFor("8231234", "938LLLL", 1, 31).xml,
        ),
      );
      expect(await checked(brookfield, id)).toMatchObject({
        status: "available",
        destination: { kind: "la" },
      });
      const inbox = await json(await t.api(southvale, "/api/v1/inbox"));
      expect(inbox.transfers.map((x: { id: string }) => x.id)).toContain(id);
      expect(
        (await json(await t.api(meadow, "/api/v1/inbox"))).transfers.map(
          (x: { id: string }) => x.id,
        ),
      ).not.toContain(id);
      await eventually("the LA's e-mail", async () =>
        t.smtp.to("ctf@938.la.invalid").length > 0 ? true : undefined,
      );
    });

    it("refuses uploads it cannot take, saying why", async () => {
      const badName = await upload(
        brookfield,
        "pupils.xml",
        ctfFor("8231234", "9382001", 1, 8).xml,
      );
      expect(badName.status).toBe(400);
      expect((await json(badName)).error).toMatchObject({
        code: "upload.name",
        message: expect.stringContaining("SSSSSSS_CTF_DDDDDDD_NNN.XML"),
      });
      const notMine = await upload(
        hillcrest,
        "8231234_CTF_9382001_009.XML",
        ctfFor("8231234", "9382001", 1, 9).xml,
      );
      expect(notMine.status).toBe(403);
      const anonymous = await upload("", "8231234_CTF_9382001_009.XML", "<CTfile/>");
      expect(anonymous.status).toBe(401);
      expect((await t.api("s2s_not-a-token", "/api/v1/inbox")).status).toBe(401);
      // Signed out, a route answers 401 before it looks at the body: not what it would accept.
      const unread = await fetch(`${t.url}/api/v1/transfers/${randomUUID()}/reject`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: { not: "text" } }),
      });
      expect(unread.status).toBe(401);
    });

    it("keeps a file from everyone it is not for, on every route", async () => {
      const { xml } = ctfFor("8231234", "9382001", 1, 10);
      const { id } = await json(await upload(brookfield, "8231234_CTF_9382001_010.XML", xml));
      await checked(brookfield, id);
      const routes: [string, string, object?][] = [
        ["GET", `/api/v1/transfers/${id}`],
        ["GET", `/api/v1/transfers/${id}/pupils`],
        ["POST", `/api/v1/transfers/${id}/accept`],
        ["GET", `/api/v1/transfers/${id}/content`],
        ["POST", `/api/v1/transfers/${id}/reject`, { reason: "not ours at all" }],
        ["DELETE", `/api/v1/transfers/${id}`],
      ];
      for (const [who, token, expected] of [
        ["another school", hillcrest, [403, 404]],
        ["another LA", otherLa, [403, 404]],
        ["nobody", undefined, [401]],
      ] as const) {
        for (const [method, path, body] of routes) {
          const r = await t.api(token, path, {
            method,
            ...(body
              ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
              : {}),
          });
          expect(expected, `${who} ${method} ${path}`).toContain(r.status);
        }
        const inbox = await t.api(token, "/api/v1/inbox");
        if (token)
          expect((await json(inbox)).transfers.map((x: { id: string }) => x.id)).not.toContain(id);
      }
      // An administrator sees the file's details but not the pupils in it.
      expect((await t.api(admin, `/api/v1/transfers/${id}`)).status).toBe(200);
      expect((await t.api(admin, `/api/v1/transfers/${id}/pupils`)).status).toBe(403);
      // The destination's LA has it in its remit.
      expect((await t.api(southvale, `/api/v1/transfers/${id}`)).status).toBe(200);
      // And it is still there, untouched, for its destination.
      expect((await json(await t.api(meadow, `/api/v1/transfers/${id}`))).status).toBe("available");
    });

    it("lets the sender remove a file before download, and the receiver after", async () => {
      const first = await json(
        await upload(
          brookfield,
          "8231234_CTF_9382001_011.XML",
          ctfFor("8231234", "9382001", 1, 11).xml,
        ),
      );
      await checked(brookfield, first.id);
      expect(
        (await t.api(meadow, `/api/v1/transfers/${first.id}`, { method: "DELETE" })).status,
      ).toBe(409);
      expect(
        (await t.api(brookfield, `/api/v1/transfers/${first.id}`, { method: "DELETE" })).status,
      ).toBe(204);
      expect((await json(await t.api(brookfield, `/api/v1/transfers/${first.id}`))).status).toBe(
        "removed",
      );
      // The receiver it was waiting for learns it was removed, and that its pupils are gone.
      expect((await t.api(meadow, `/api/v1/transfers/${first.id}/pupils`)).status).toBe(409);

      const second = await json(
        await upload(
          brookfield,
          "8231234_CTF_9382001_012.XML",
          ctfFor("8231234", "9382001", 1, 12).xml,
        ),
      );
      await checked(brookfield, second.id);
      await t.api(meadow, `/api/v1/transfers/${second.id}/accept`, { method: "POST" });
      expect(
        (await t.api(brookfield, `/api/v1/transfers/${second.id}`, { method: "DELETE" })).status,
      ).toBe(409);
      expect(
        (await t.api(meadow, `/api/v1/transfers/${second.id}`, { method: "DELETE" })).status,
      ).toBe(204);
    });

    it("indexes a file of more pupils than one batch, and none of a file that fails", async () => {
      const { doc, xml } = ctfFor("8231234", "8231235", 700, 31);
      const up = await upload(brookfield, "8231234_CTF_8231235_901.XML", xml);
      const view = await checked(brookfield, (await json(up)).id);
      expect(view).toMatchObject({ status: "available", pupilCount: 700 });
      const upns: string[] = [];
      for (let page = 1; page <= 7; page++) {
        const listed = await json(
          await t.api(brookfield, `/api/v1/transfers/${view.id}/pupils?page=${page}`),
        );
        expect(listed.pages).toBe(7);
        upns.push(...listed.pupils.map((x: { upn: string }) => x.upn));
      }
      expect(upns).toEqual(doc.pupils.map((x) => x.upn));
      // The same pupils with a fatal error after the first batch: failed, and nothing indexed.
      const broken = xml.replace(/<\/CTfile>\s*$/, "");
      const bad = await upload(brookfield, "8231234_CTF_8231235_902.XML", broken);
      const failed = await checked(brookfield, (await json(bad)).id);
      expect(failed.status).toBe("failed");
      const rows = await t.hub.ctx.db
        .selectFrom("transfer_pupils")
        .select("position")
        .where("transfer_id", "=", failed.id)
        .execute();
      expect(rows).toEqual([]);
    });

    it("tells a sender the next free sequence number", async () => {
      // Its own destination, so that what other tests sent does not change the answer.
      const next = async () =>
        json(await t.api(brookfield, "/api/v1/transfers/next-sequence?from=8231234&to=8231235"));
      const before = await next();
      const { xml } = ctfFor("8231234", "8231235", 1, 77);
      const name = `8231234_CTF_8231235_${String(before.sequence + 4).padStart(3, "0")}.XML`;
      expect((await upload(brookfield, name, xml)).status).toBe(202);
      expect(await next()).toEqual({
        sequence: before.sequence + 5,
        fileName: `8231234_CTF_8231235_${String(before.sequence + 5).padStart(3, "0")}.XML`,
      });
      expect(
        (await t.api(hillcrest, "/api/v1/transfers/next-sequence?from=8231234&to=9382001")).status,
      ).toBe(403);
    });

    it("signs in with a password, sets a safe cookie, and locks after repeated failures", async () => {
      const ok = await t.api(undefined, "/api/v1/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "meadowlane", password: "demo-password-only" }),
      });
      expect(ok.status).toBe(200);
      const cookie = ok.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/s2s_session=/);
      expect(cookie).toMatch(/HttpOnly/i);
      // Lax, so that a link in an e-mail opens a page signed in; no other site's form post
      // carries it, and page forms carry tokens besides.
      expect(cookie).toMatch(/SameSite=Lax/i);
      const me = await t.api(undefined, "/api/v1/me", {
        headers: { cookie: cookie.split(";")[0] as string },
      });
      expect(await json(me)).toMatchObject({
        username: "meadowlane",
        role: "school",
        establishment: "9382001",
      });

      const attempt = (password: string) =>
        t.api(undefined, "/api/v1/session", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "hillcrest", password }),
        });
      for (let i = 0; i < 4; i++) expect((await attempt("wrong-password-here")).status).toBe(401);
      const locked = await attempt("wrong-password-here");
      expect(locked.status).toBe(423);
      expect((await json(locked)).error.code).toBe("auth.locked");
    });

    it("answers errors in one shape and documents the API", async () => {
      const r = await t.api(brookfield, "/api/v1/transfers/not-a-uuid");
      expect(r.status).toBe(404);
      expect(await json(r)).toEqual({ error: { code: "not-found", message: "Not found." } });
      const docs = await t.api(undefined, "/api/docs/json");
      const spec = await json(docs);
      expect(spec.info.title).toBe("S2S school to school API");
      expect(await (await t.api(undefined, "/api/docs/static/index.html")).text()).toContain(
        "<title>S2S school to school API</title>",
      );
      for (const path of [
        "/api/v1/transfers",
        "/api/v1/transfers/{id}/pupils",
        "/api/v1/inbox",
        "/api/v1/sent",
        "/api/v1/session",
      ]) {
        expect(Object.keys(spec.paths)).toContain(path);
      }
      // Every operation says what it answers on success, with the status it really uses.
      for (const [path, ops] of Object.entries(spec.paths) as [
        string,
        Record<string, Operation>,
      ][]) {
        expect(path.startsWith("/api/v1/"), `${path}: page routes stay out`).toBe(true);
        for (const [method, op] of Object.entries(ops)) {
          // The answers any call can get (an outside test saw 25 of 246 undocumented).
          for (const shared of ["401", "403", "429"])
            expect(Object.keys(op.responses ?? {}), `${method} ${path}`).toContain(shared);
          const ok = Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith("2"));
          expect(ok.length, `${method} ${path} has a success response`).toBeGreaterThan(0);
          for (const [code, res] of ok) {
            expect(res.description, `${method} ${path} ${code}`).not.toBe("Default Response");
            if (code !== "204")
              expect(res.content, `${method} ${path} ${code} has a body`).toBeDefined();
          }
        }
      }
      expect(Object.keys(spec.paths["/api/v1/admin/users"].post.responses)).toContain("201");
      const upload = spec.paths["/api/v1/transfers"].post.requestBody.content;
      expect(upload["multipart/form-data"].schema.properties.file.format).toBe("binary");
    });

    it("delivers every message once a refusing mail server starts accepting", async () => {
      // Earlier tests' mail is delivered in the background: let it all arrive before counting.
      await t.hub.deliverMail();
      const before = await eventually("earlier mail to arrive", async () => {
        const sent = await t.hub.ctx.db
          .selectFrom("mail_outbox")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("sent_at", "is not", null)
          .executeTakeFirstOrThrow();
        return Number(sent.n) === t.smtp.received.length ? t.smtp.received.length : undefined;
      });
      t.smtp.refusing = true;
      const { xml } = ctfFor("8231234", "9382001", 1, 13);
      const { id } = await json(await upload(brookfield, "8231234_CTF_9382001_014.XML", xml));
      await checked(brookfield, id);
      const failedOnce = await eventually("a refused delivery", async () => {
        const row = await t.hub.ctx.db
          .selectFrom("mail_outbox")
          .selectAll()
          .where("sent_at", "is", null)
          .where("attempts", ">", 0)
          .executeTakeFirst();
        return row ?? undefined;
      });
      expect(failedOnce.last_error).toContain("try again later");
      t.smtp.refusing = false;
      t.advanceDays(1);
      await t.hub.deliverMail();
      const pending = await t.hub.ctx.db
        .selectFrom("mail_outbox")
        .select("id")
        .where("sent_at", "is", null)
        .execute();
      expect(pending).toEqual([]);
      expect(t.smtp.received.length).toBe(before + 1);
    });

    it("expires an undownloaded file: warns the sender, then deletes it", async () => {
      const { xml } = ctfFor("8231234", "9382001", 1, 14);
      const { id } = await json(await upload(brookfield, "8231234_CTF_9382001_015.XML", xml));
      await checked(brookfield, id);
      t.advanceDays(54);
      const { runRetention } = await import("../../src/hub/retention.js");
      expect((await runRetention(t.hub.ctx)).warned).toBeGreaterThanOrEqual(1);
      t.advanceDays(7);
      expect((await runRetention(t.hub.ctx)).expired).toBeGreaterThanOrEqual(1);
      expect((await json(await t.api(brookfield, `/api/v1/transfers/${id}`))).status).toBe(
        "expired",
      );
      // Its pupils are gone: the receiver is told so, not that they may not look.
      expect((await t.api(meadow, `/api/v1/transfers/${id}/pupils`)).status).toBe(409);
      const row = await t.hub.ctx.db
        .selectFrom("transfers")
        .select(["store_key", "purged_at"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      expect(row.store_key).toBeNull();
      await t.hub.deliverMail();
      const subjects = t.smtp.to("brookfield@users.invalid").map((m) => m.subject);
      expect(subjects).toContain("S2S: 8231234_CTF_9382001_015.XML has not been downloaded");
      expect(subjects).toContain(
        "S2S: 8231234_CTF_9382001_015.XML expired without being downloaded",
      );
    });
  });
}

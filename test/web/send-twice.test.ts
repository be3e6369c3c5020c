/**
 * Double-clicking Send posts the form twice. An outside test was then told "Your file was not
 * sent" though one copy went: the second post is now recognised as the same send and shown the
 * first's result, whether it arrives after the first or alongside it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { DATABASES } from "../helpers/db.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`sending twice from the page on ${target.name}`, () => {
    let t: TestHub;
    let office: PageClient;
    let seed = 0;

    beforeAll(async () => {
      t = await startTestHub(target.name);
      office = new PageClient(t.url);
      await office.signIn("brookfield", PASSWORD);
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    const send = async (name: string, file: string) => {
      const body = new FormData();
      body.set("_csrf", await office.token());
      body.append("files", new Blob([file]), name);
      const r = await office.request("/send", { method: "POST", body });
      expect(r.status).toBe(303);
      const to = new URL(r.headers.get("location") ?? "", t.url);
      const page = await (await office.request(`${to.pathname}${to.search}`)).text();
      return { ids: to.searchParams.getAll("id"), page };
    };
    const copies = (name: string) =>
      t.hub.ctx.db.selectFrom("transfers").select("id").where("file_name", "=", name).execute();
    const file = () =>
      writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 500 + ++seed }));

    it("shows the second post of one send the first's file, sent once", async () => {
      const name = "8231234_CTF_9382001_501.XML";
      const xml = file();
      const first = await send(name, xml);
      const second = await send(name, xml);
      expect(first.ids).toHaveLength(1);
      expect(second.ids).toEqual(first.ids);
      expect(second.page).not.toContain("was not sent");
      expect(await copies(name)).toHaveLength(1);
    });

    it("does the same when both posts arrive at once", async () => {
      const name = "8231234_CTF_9382001_502.XML";
      const xml = file();
      const [a, b] = await Promise.all([send(name, xml), send(name, xml)]);
      expect(a.ids).toHaveLength(1);
      expect(b.ids).toEqual(a.ids);
      for (const { page } of [a, b]) expect(page).not.toContain("was not sent");
      expect(await copies(name)).toHaveLength(1);
    });

    it("still says a file sent earlier, not moments ago, was not sent again", async () => {
      const name = "8231234_CTF_9382001_503.XML";
      const xml = file();
      await send(name, xml);
      t.now.value = new Date(t.now.value.getTime() + 10 * 60_000);
      const later = await send(name, xml);
      expect(later.ids).toEqual([]);
      expect(later.page).toContain("has been sent already");
    });
  });
}

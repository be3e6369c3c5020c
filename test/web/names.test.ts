/**
 * Organisations by name, with the number after it: pages never show a bare LAESTAB, and the two
 * special destinations read as what they are.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";
/** The text of the page's table cells, tags and spaces folded, to look for bare numbers. */
const cells = (html: string) =>
  [...html.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
    (m[1] ?? "")
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ")
      .trim(),
  );

describe("organisations by name", () => {
  let t: TestHub;
  let upn = "";

  beforeAll(async () => {
    t = await startTestHub("pglite");
    const token = await t.token("brookfield");
    const toSchool = generateCtf({ from: "8231234", to: "9382001", pupils: 1, seed: 21 });
    expect(
      (await sendAndCheck(t, token, "8231234_CTF_9382001_001.XML", writeCtf(toSchool))).status,
    ).toBe("available");
    const lost = generateCtf({ from: "8231234", to: "XXXXXXX", pupils: 1, seed: 22 });
    upn = lost.pupils[0]?.upn ?? "";
    expect(
      (await sendAndCheck(t, token, "8231234_CTF_XXXXXXX_002.XML", writeCtf(lost))).status,
    ).toBe("lost");
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
  });

  it("names the sending school in the receiver's lists and the destination in the sender's", async () => {
    const meadowlane = new PageClient(t.url);
    await meadowlane.signIn("meadowlane", PASSWORD);
    for (const path of ["/", "/received"]) {
      const shown = cells(await (await meadowlane.request(path)).text());
      expect(shown, path).toContain("Brookfield Primary School (8231234)");
      expect(
        shown.filter((c) => /^\d{7}$/.test(c)),
        path,
      ).toEqual([]);
    }
    const brookfield = new PageClient(t.url);
    await brookfield.signIn("brookfield", PASSWORD);
    for (const path of ["/", "/sent"]) {
      const shown = cells(await (await brookfield.request(path)).text());
      expect(shown, path).toContain("Meadow Lane Primary School (9382001)");
      expect(shown, path).toContain("Lost Pupils database");
      // Only in the file's own name.
      expect(
        shown.filter((c) => c.includes("XXXXXXX")),
        path,
      ).toEqual(["8231234_CTF_XXXXXXX_002.XML"]);
    }
  });

  it("names the sending school and the register in a Lost Pupils search", async () => {
    const r = await fetch(`${t.url}/api/v1/lost-pupils?upn=${upn}`, {
      headers: { authorization: `Bearer ${await t.token("northshire-la")}` },
    });
    const body = await json(r);
    expect(body.pupils).toHaveLength(1);
    expect(body.pupils[0]).toMatchObject({
      sourceLaestab: "8231234",
      sourceName: "Brookfield Primary School",
      status: "lost",
    });
    const la = new PageClient(t.url);
    await la.signIn("northshire-la", PASSWORD, () => t.code("northshire-la"));
    const _csrf = await la.token();
    const html = await (await la.post("/lost-pupils", { upn, _csrf })).text();
    const shown = cells(html);
    expect(shown).toContain("Brookfield Primary School (8231234)");
    expect(shown).toContain("Lost Pupils database");
  });

  it("names each user's school or LA on the administrators' user pages and in the API", async () => {
    const admin = new PageClient(t.url);
    await admin.signIn("admin", PASSWORD, () => t.code("admin"));
    const shown = cells(await (await admin.request("/admin/users")).text());
    expect(shown).toContain("Brookfield Primary School (8231234)");
    expect(shown).toContain("Northshire (LA 823)");
    expect(shown.filter((c) => /^(\d{7}|LA \d{3})$/.test(c))).toEqual([]);
    const listed = await json(await t.api(await t.token("admin"), "/api/v1/admin/users"));
    const meadow = listed.users.find((u: { username: string }) => u.username === "meadowlane");
    expect(meadow.organisation).toBe("Meadow Lane Primary School (9382001)");
    const one = await (await admin.request(`/admin/users/${meadow.id}`)).text();
    expect(one).toContain("Meadow Lane Primary School (9382001)");
  });
});

/**
 * Help that works: the footer's help link and every topic open without signing in (a person
 * stuck at sign-in needs them most), every link in them leads somewhere for the user they are
 * written for, and the codes page says what the checker's code sets say.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODE_SETS, LEAVING_REASONS } from "../../src/ctf/code-sets.js";
import type { RunningMis } from "../../src/school/service.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient, pageText } from "../helpers/pages.js";
import { STAFF_PASSWORD, startStaffedSchool } from "../helpers/school-side.js";

const hrefs = (html: string) =>
  [...html.matchAll(/href="(\/[^"#]*)/g)]
    .map((m) => m[1] as string)
    .filter((h) => !h.startsWith("/assets"));

/** The help index's topics, then every page's own links, each fetched as `who`. */
async function walk(base: string, who: PageClient) {
  const open = new PageClient(base);
  const index = await open.request("/help");
  expect(index.status).toBe(200);
  const html = await index.text();
  // The footer of any page links to the help, signed in or not.
  expect(await (await open.request("/sign-in")).text()).toContain('href="/help"');
  const topics = hrefs(html).filter((h) => h.startsWith("/help/"));
  const broken: string[] = [];
  for (const topic of topics) {
    const page = await open.request(topic);
    if (page.status !== 200) broken.push(`${topic}: ${page.status}`);
    for (const link of hrefs(await page.text())) {
      const r = await who.request(link, { redirect: "manual" });
      if (r.status >= 400) broken.push(`${topic} → ${link}: ${r.status}`);
    }
  }
  return { topics, broken };
}

describe("help pages", () => {
  let t: TestHub;
  let mis: RunningMis;

  beforeAll(async () => {
    t = await startTestHub("pglite");
    mis = await startStaffedSchool("help");
  }, 90_000);

  afterAll(async () => {
    await mis?.stop();
    await t?.stop();
  });

  it("on the hub, open to all, with every link leading somewhere for a school", async () => {
    const school = new PageClient(t.url);
    await school.signIn("brookfield", "demo-password-only");
    const { topics, broken } = await walk(t.url, school);
    expect(topics).toEqual(
      expect.arrayContaining([
        "/help/sending",
        "/help/problems",
        "/help/lost-pupils",
        "/help/codes",
      ]),
    );
    // The LA's search is an LA's page: a school is refused it, so it is checked as the LA.
    const la = new PageClient(t.url);
    await la.signIn("northshire-la", "demo-password-only", () => t.code("northshire-la"));
    expect((await la.request("/lost-pupils")).status).toBe(200);
    expect(broken.filter((b) => !b.endsWith("/lost-pupils: 403"))).toEqual([]);
  });

  it("on the school side, with every link leading somewhere for staff", async () => {
    const office = new PageClient(mis.url);
    await office.signIn("office", STAFF_PASSWORD);
    const { topics, broken } = await walk(mis.url, office);
    expect(topics).toEqual(
      expect.arrayContaining(["/help/leavers", "/help/correcting", "/help/importing"]),
    );
    expect(broken).toEqual([]);
  });

  it("says what every code means, as the checker's code sets do", async () => {
    const words = pageText(await (await new PageClient(t.url).request("/help/codes")).text());
    for (const set of Object.values(CODE_SETS)) {
      expect(words).toContain(set.source);
      for (const [code, meaning] of Object.entries(set.codes))
        expect(words, `${set.name} ${code}`).toContain(`${code} ${meaning.replace(/\s+/g, " ")}`);
    }
    // The leaving reasons come first: an office asks what IM means more than anything else.
    expect(words.indexOf(LEAVING_REASONS.IM as string)).toBeLessThan(
      words.indexOf("White - British"),
    );
  });
});

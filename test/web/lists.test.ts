/**
 * The received and sent lists: 25 to a page, sorted by date either way, filtered by status and
 * by the other school, all in the address so that a view can be bookmarked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";
const fileNames = (html: string) =>
  [...html.matchAll(/>(\d{7}_CTF_\w{7}_\d{3}\.XML)</g)].map((m) => m[1]);

describe("lists of files", () => {
  let t: TestHub;
  let brookfield: PageClient;

  beforeAll(async () => {
    t = await startTestHub("pglite");
    const token = await t.token("brookfield");
    for (let n = 1; n <= 27; n++) {
      const to = n === 27 ? "8231235" : "9382001";
      const xml = writeCtf(generateCtf({ from: "8231234", to, pupils: 1, seed: 300 + n }));
      await sendAndCheck(t, token, `8231234_CTF_${to}_${String(n).padStart(3, "0")}.XML`, xml);
      t.now.value = new Date(t.now.value.getTime() + 60_000); // each a minute after the last
    }
    brookfield = new PageClient(t.url);
    await brookfield.signIn("brookfield", PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it("pages, sorts and filters the sent list from the address", async () => {
    const first = fileNames(await (await brookfield.request("/sent")).text());
    expect(first).toHaveLength(25);
    expect(first[0]).toBe("8231234_CTF_8231235_027.XML"); // newest first
    const second = fileNames(await (await brookfield.request("/sent?sort=newest&page=2")).text());
    expect(second).toEqual(["8231234_CTF_9382001_002.XML", "8231234_CTF_9382001_001.XML"]);
    const oldest = fileNames(await (await brookfield.request("/sent?sort=oldest")).text());
    expect(oldest[0]).toBe("8231234_CTF_9382001_001.XML");
    const toHillcrest = fileNames(await (await brookfield.request("/sent?to=8231235")).text());
    expect(toHillcrest).toEqual(["8231234_CTF_8231235_027.XML"]);
    expect(fileNames(await (await brookfield.request("/sent?status=rejected")).text())).toEqual([]);
    const waiting = await (
      await brookfield.request("/sent?status=available&sort=oldest&page=2")
    ).text();
    expect(fileNames(waiting)).toHaveLength(2);
    // The pages' links keep the filter.
    expect(waiting).toContain('href="/sent?status=available&amp;sort=oldest"');
  });

  it("gives an LA every file to and from its schools, paged and filtered by school", async () => {
    const la = new PageClient(t.url);
    await la.signIn("northshire-la", PASSWORD, () => t.code("northshire-la"));
    const home = await (await la.request("/")).text();
    expect(home).toContain("See all 27 files (the 10 newest are shown here)");
    expect(home).toContain("See all 1 file</a>");

    // To its schools: only the file to Hillcrest (823); the 26 to Meadow Lane (938) are another LA's.
    const to = await (await la.request("/to-schools")).text();
    expect(fileNames(to)).toEqual(["8231234_CTF_8231235_027.XML"]);
    expect(to).toContain("Brookfield Primary School (8231234)");
    expect(fileNames(await (await la.request("/to-schools?school=8231235")).text())).toHaveLength(
      1,
    );
    expect(fileNames(await (await la.request("/to-schools?from=9382001")).text())).toEqual([]);

    // From its schools: all 27, a page at a time, filtered by the sending school.
    const sent = await (await la.request("/sent?from=8231234&sort=oldest&page=2")).text();
    expect(fileNames(sent)).toEqual(["8231234_CTF_9382001_026.XML", "8231234_CTF_8231235_027.XML"]);
    expect(sent).toContain('href="/sent?from=8231234&amp;sort=oldest"');
    expect(fileNames(await (await la.request("/sent?from=8231235")).text())).toEqual([]);

    // Schools have no such list.
    expect((await brookfield.request("/to-schools")).status).toBe(403);
  });

  it("pages the API's sent files", async () => {
    const token = await t.token("brookfield");
    const get = async (query: string) =>
      (await fetch(`${t.url}/api/v1/sent?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      }).then((r) => r.json())) as {
        transfers: { fileName: string }[];
        more: boolean;
        total: number;
      };
    const third = await get("pageSize=10&page=3");
    expect(third.transfers).toHaveLength(7);
    expect(third).toMatchObject({ more: false, total: 27 });
    expect((await get("pageSize=10&page=1")).more).toBe(true);
    expect((await get("pageSize=10&page=4")).transfers).toEqual([]);
    const oldest = await get("sort=oldest&to=9382001&pageSize=1");
    expect(oldest.transfers.map((x) => x.fileName)).toEqual(["8231234_CTF_9382001_001.XML"]);
    expect(oldest.total).toBe(26);
    const bad = await fetch(`${t.url}/api/v1/sent?status=lost-in-post`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bad.status).toBe(400);
  });

  it("filters the received list by sender and status", async () => {
    const meadow = new PageClient(t.url);
    await meadow.signIn("meadowlane", PASSWORD);
    const all = await (await meadow.request("/received?sort=oldest")).text();
    expect(fileNames(all)[0]).toBe("8231234_CTF_9382001_001.XML");
    expect(all).toContain("26 files, oldest first");
    // Home shows the ten oldest waiting, counts them all, and links to the rest.
    const home = await (await meadow.request("/")).text();
    expect(home).toContain("26</strong> files are waiting, oldest first (the 10 oldest are below)");
    expect(fileNames(home)).toHaveLength(10);
    expect(fileNames(home)[0]).toBe("8231234_CTF_9382001_001.XML");
    expect(home).toContain(
      'href="/received?status=available&amp;sort=oldest">See all 26 files waiting',
    );
    expect(fileNames(await (await meadow.request("/received?status=downloaded")).text())).toEqual(
      [],
    );
    expect(fileNames(await (await meadow.request("/received?from=3041001")).text())).toEqual([]);
  });
});

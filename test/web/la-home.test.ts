/**
 * An LA's home: its schools' traffic in two tabs, each file naming both schools, and counts of
 * what needs it: new register entries since the user last looked, failed and rejected files,
 * and files waiting more than 15 school days.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { ctfXml, pupilXml } from "../helpers/ctf.js";
import { sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient, pageText } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";
describe("an LA's home", () => {
  let t: TestHub;
  let la: PageClient;

  beforeAll(async () => {
    t = await startTestHub("pglite");
    la = new PageClient(t.url);
    await la.signIn("northshire-la", PASSWORD, () => t.code("northshire-la"));
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
  });

  async function send(from: string, to: string, seq: number, xml?: string) {
    const body = xml ?? writeCtf(generateCtf({ from, to, pupils: 1, seed: 60 + seq }));
    const token = await t.token(from === "8231234" ? "brookfield" : "meadowlane");
    return sendAndCheck(t, token, `${from}_CTF_${to}_${String(seq).padStart(3, "0")}.XML`, body);
  }

  it("counts what needs attention, and lists its schools' traffic by name", async () => {
    const first = pageText(await (await la.request("/")).text());
    expect(first).toContain("0 new files from your schools in the Lost Pupils database");
    t.now.value = new Date(t.now.value.getTime() + 60_000);

    await send("8231234", "XXXXXXX", 1); // from a Northshire school, to the register
    const rejected = await send("8231234", "9382001", 2);
    expect(
      (
        await t.api(await t.token("meadowlane"), `/api/v1/transfers/${rejected.id}/reject`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ reason: "Not known here" }),
        })
      ).status,
    ).toBe(200);
    const broken = ctfXml(pupilXml("<Surname></Surname>", false), {
      source: "8231234",
      dest: "9382001",
    });
    expect((await send("8231234", "9382001", 3, broken)).status).toBe("failed");
    const waiting = await send("9382001", "8231234", 4); // to a Northshire school, never downloaded
    expect(waiting.status).toBe("available");

    t.advanceDays(28); // four weeks in November: more than 15 school days
    la = new PageClient(t.url); // a new day's sign-in
    await la.signIn("northshire-la", PASSWORD, () => t.code("northshire-la"));
    const home = pageText(await (await la.request("/")).text());
    expect(home).toContain(
      "1 new file from your schools in the Lost Pupils database or the out of sector register since you last looked",
    );
    expect(home).toContain("1 file to your schools waiting more than 15 school days");
    expect(home).toContain("1 file from your schools that failed their checks");
    expect(home).toContain("1 file from your schools rejected by the school they were sent to");
    // Both tabs, each file naming both ends by name.
    expect(home).toContain("To your schools");
    expect(home).toContain("From your schools");
    expect(home).toMatch(
      /9382001_CTF_8231234_004\.XML Meadow Lane Primary School \(9382001\) Brookfield Primary School \(8231234\)/,
    );
    expect(home).toMatch(
      /8231234_CTF_XXXXXXX_001\.XML Brookfield Primary School \(8231234\) Lost Pupils database/,
    );

    // The account page offers register e-mails, and names the LA.
    const account = pageText(await (await la.request("/account")).text());
    expect(account).toContain("Northshire (LA 823)");
    expect(account).toContain(
      "E-mail me when a file from one of our schools goes to the Lost Pupils database",
    );
    const _csrf = await la.token();
    const saved = await la.post("/account/notices", { _csrf, registerFiles: "yes" });
    expect(saved.headers.get("location")).toBe("/account?done=notices-on");
    const on = await (await la.request("/account?done=notices-on")).text();
    expect(on).toMatch(/name="registerFiles" type="checkbox" value="yes" checked/);

    // Seen: nothing is new on the next visit.
    const again = pageText(await (await la.request("/")).text());
    expect(again).toContain("0 new files from your schools in the Lost Pupils database");
  });
});

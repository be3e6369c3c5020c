/**
 * A school told that a file waits for it is told again when the sender removes it before it is
 * collected, and the link in the first e-mail then says what became of the file instead of
 * answering "not found". Nobody else learns the file existed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { createUser } from "../../src/hub/users.js";
import { eventually, json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient, pageText } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";
const WAITING = "S2S: a Common Transfer File is waiting for you";
const REMOVED = "S2S: a file that was waiting for you has been removed";

describe("a waiting file removed by its sender", () => {
  let t: TestHub;

  beforeAll(async () => {
    t = await startTestHub("pglite");
    await createUser(t.hub.ctx, null, {
      username: "hillcrest",
      email: "h@users.invalid",
      role: "school",
      establishment: "8231235",
    });
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
  });

  const mailAbout = (subject: string, name: string) =>
    t.smtp.received.filter((m) => m.subject === subject && (m.text ?? "").includes(name));

  it("e-mails the school it was waiting for, and its link says it was removed", async () => {
    const name = "8231234_CTF_9382001_201.XML";
    const doc = generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 201 });
    const sent = await sendAndCheck(t, await t.token("brookfield"), name, writeCtf(doc));
    await t.hub.deliverMail();
    const waiting = await eventually("the waiting notice", async () => mailAbout(WAITING, name)[0]);
    const link = /Open it: \S+(\/received\/[0-9a-f-]+)/.exec(waiting.text ?? "")?.[1] as string;
    expect(link).toBe(`/received/${sent.id}`);

    const removed = await t.api(await t.token("brookfield"), `/api/v1/transfers/${sent.id}`, {
      method: "DELETE",
    });
    expect(removed.status).toBeLessThan(300);
    await t.hub.deliverMail();
    const told = await eventually("the removal notice", async () => mailAbout(REMOVED, name)[0]);
    expect(told.to).toEqual(waiting.to);
    expect(told.text).toContain(
      `Brookfield Primary School (8231234) has removed the file ${name} they sent you, before it was collected.`,
    );
    for (const p of doc.pupils) expect(told.text).not.toContain(p.surname as string);

    // The first e-mail's link: the page says what happened, naming no pupil.
    const office = new PageClient(t.url);
    await office.signIn("meadowlane", PASSWORD);
    const page = await office.request(link);
    expect(page.status).toBe(200);
    const words = pageText(await page.text());
    expect(words).toContain("Brookfield Primary School (8231234) removed this file on");
    expect(words).toContain("before it was collected");
    expect(words).not.toContain("Accept and download");
    for (const p of doc.pupils) expect(words).not.toContain(p.surname as string);
    // The API says the same to the receiver; a school with no part in it still finds nothing.
    const api = await t.api(await t.token("meadowlane"), `/api/v1/transfers/${sent.id}`);
    expect((await json(api)).status).toBe("removed");
    const other = await t.api(await t.token("hillcrest"), `/api/v1/transfers/${sent.id}`);
    expect(other.status).toBe(404);
  });

  it("does not tell a receiver of a file that failed its checks and never reached them", async () => {
    const name = "8231234_CTF_9382001_202.XML";
    const xml = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 1, seed: 202 }));
    const broken = xml.replace(/<Surname>[^<]*<\/Surname>/, "");
    const sent = await sendAndCheck(t, await t.token("brookfield"), name, broken);
    expect(sent.status).toBe("failed");
    await t.api(await t.token("brookfield"), `/api/v1/transfers/${sent.id}`, { method: "DELETE" });
    await t.hub.deliverMail();
    expect(mailAbout(REMOVED, name)).toEqual([]);
    const api = await t.api(await t.token("meadowlane"), `/api/v1/transfers/${sent.id}`);
    expect(api.status).toBe(404);
  });
});

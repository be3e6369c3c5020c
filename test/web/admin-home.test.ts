/**
 * The administrators' home says what waits for them (corrections, locked sign-ins, mail the
 * server has not taken); a correction can be marked done; a message can be opened, saying why
 * it has not gone, with the secret of a sign-in link hidden; an LA's establishments list by its
 * code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { enqueueMail } from "../../src/platform/mail/outbox.js";
import { json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient, pageText } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";
describe("administration at a glance", () => {
  let t: TestHub;
  let admin: PageClient;

  beforeAll(async () => {
    t = await startTestHub("pglite");
    admin = new PageClient(t.url);
    await admin.signIn("admin", PASSWORD, () => t.code("admin"));
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
  });

  it("counts corrections, locked sign-ins and failing mail, and marks a correction done", async () => {
    const reported = await t.api(await t.token("brookfield"), "/api/v1/my-school/corrections", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "Our head teacher's e-mail changed" }),
    });
    expect(reported.status).toBe(201);
    const { id } = await json(reported);
    for (let i = 0; i < 5; i++) {
      const stranger = new PageClient(t.url);
      await stranger.signIn("hillcrest-nobody", "not the password").catch(() => undefined);
    }
    t.smtp.refusing = true;
    const linked = await t.hub.ctx.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "meadowlane")
      .executeTakeFirstOrThrow();
    const _csrf = await admin.token();
    expect((await admin.post(`/admin/users/${linked.id}/reset-password`, { _csrf })).status).toBe(
      303,
    );
    await t.hub.deliverMail();

    const home = pageText(await (await admin.request("/")).text());
    expect(home).toContain("1 correction to the directory reported by schools");
    expect(home).toContain("1 sign-in name locked after failed sign-ins");
    expect(home).toMatch(/[1-9]\d* messages? the mail server has not taken yet/);
    expect(home).toContain("Brookfield Primary School (8231234)");

    const done = await admin.post(`/admin/corrections/${id}/done`, { _csrf });
    expect(done.status).toBe(303);
    expect(pageText(await (await admin.request("/")).text())).toContain(
      "0 corrections to the directory",
    );
    const listed = await json(await t.api(await t.token("admin"), "/api/v1/admin/corrections"));
    expect(listed.corrections.find((c: { id: string }) => c.id === id).resolvedAt).not.toBeNull();

    // The failing message opens, says why, and hides the link's secret.
    const outbox = await (await admin.request("/admin/outbox")).text();
    const m = /href="\/admin\/outbox\/([0-9a-f-]{36})">S2S: your sign-in link</.exec(outbox);
    expect(m?.[1]).toBeDefined();
    const page = pageText(await (await admin.request(`/admin/outbox/${m?.[1]}`)).text());
    expect(page).toContain("Not sent yet: the mail server refused it");
    expect(page).toContain("try again later");
    expect(page).toContain("/sign-in/link/[hidden: only its recipient may use it]");
    // The message held does carry the link; only the page hides it.
    const held = await t.hub.ctx.db
      .selectFrom("mail_outbox")
      .select("body")
      .where("id", "=", m?.[1] as string)
      .executeTakeFirstOrThrow();
    expect(held.body).toMatch(/\/sign-in\/link\/[A-Za-z0-9_-]{20,}/);
    expect(page).not.toMatch(/\/sign-in\/link\/[A-Za-z0-9_-]{20,}/);
    t.smtp.refusing = false;
  });

  it("reads the audit log in words, a run of looks told once, a page at a time", async () => {
    const doc = generateCtf({ from: "8231234", to: "9382001", pupils: 1, seed: 8 });
    const sent = await sendAndCheck(
      t,
      await t.token("brookfield"),
      "8231234_CTF_9382001_008.XML",
      writeCtf(doc),
    );
    const meadow = await t.token("meadowlane");
    for (let i = 0; i < 3; i++)
      expect((await t.api(meadow, `/api/v1/transfers/${sent.id}`)).status).toBe(200);
    const page = pageText(await (await admin.request("/admin/audit?action=transfer.view")).text());
    expect(page).toContain("Looked at a file (3 times): 8231234_CTF_9382001_008.XML");
    expect(page).toContain("Meadow Lane Primary School (9382001)");
    expect(page).not.toContain(sent.id);
    // Pages: 50 events each, the next one linked while more remain.
    for (let i = 0; i < 60; i++) await t.api(meadow, `/api/v1/transfers/${sent.id}/pupils`);
    const first = await (await admin.request("/admin/audit?action=pupils.view")).text();
    expect(first).toContain('href="/admin/audit?action=pupils.view&amp;page=2"');
    // Oldest first: the log begins with the demo's users being made; newest first, they are
    // pages away. The order stays in the address and in the page links.
    const oldest = pageText(await (await admin.request("/admin/audit?sort=oldest")).text());
    expect(oldest).toContain("Oldest first, 50 to a page");
    expect(oldest).toContain("Made a user");
    // Each event's facts in words, not the log's own names and codes.
    expect(oldest).toContain(
      "role: local authority staff; username: northshire-la; second factor: yes",
    );
    expect(oldest).not.toMatch(/secondFactor|role: la\b/);
    const checked = pageText(
      await (await admin.request("/admin/audit?action=transfer.checked")).text(),
    );
    expect(checked).toContain("8231234_CTF_9382001_008.XML sent on: 0 errors, 0 warnings");
    const newest = pageText(await (await admin.request("/admin/audit")).text());
    expect(newest).not.toContain("Made a user");
    expect(await (await admin.request("/admin/audit?sort=oldest")).text()).toContain(
      'href="/admin/audit?sort=oldest&amp;page=2"',
    );
    const _csrf = await admin.token();
    const filtered = await admin.post("/admin/audit", {
      _csrf,
      action: "download",
      sort: "oldest",
    });
    expect(filtered.headers.get("location")).toBe("/admin/audit?action=download&sort=oldest");
  });

  it("filters users and mail from the address", async () => {
    const las = pageText(await (await admin.request("/admin/users?role=la")).text());
    expect(las).toContain("northshire-la");
    expect(las).toContain("southvale-la");
    expect(las).not.toContain("brookfield@");
    expect(las).toMatch(/2 users\b/);
    const failing = pageText(await (await admin.request("/admin/outbox?state=failing")).text());
    expect(failing).toContain("S2S: your sign-in link");
    const sent = pageText(await (await admin.request("/admin/outbox?state=sent")).text());
    expect(sent).not.toContain("Failing");
    // Mail oldest first, the state kept in the links either way.
    const all = await (await admin.request("/admin/outbox")).text();
    const queued = (html: string) =>
      [...html.matchAll(/href="\/admin\/outbox\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
    const oldestMail = await (await admin.request("/admin/outbox?sort=oldest")).text();
    expect(queued(oldestMail)).toEqual([...queued(all)].reverse());
    expect(oldestMail).toContain("oldest first");
    expect(oldestMail).toContain('href="/admin/outbox?state=failing&amp;sort=oldest"');
  });

  it("reaches every message and user a page at a time, however many there are", async () => {
    // More mail than the list could once hold: the oldest is on the last page, oldest first.
    const first = new Date("2020-01-01T00:00:00Z");
    await t.hub.ctx.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 520; i++)
        await enqueueMail(
          trx,
          {
            to: ["someone@example.org"],
            subject: `Old message ${String(i).padStart(4, "0")}`,
            body: ".",
          },
          new Date(first.getTime() + i * 60_000),
        );
    });
    const oldest = pageText(await (await admin.request("/admin/outbox?sort=oldest")).text());
    expect(oldest).toContain("Old message 0000");
    expect(oldest).toMatch(/\b5[2-9]\d messages, oldest first/);
    const newest = await (await admin.request("/admin/outbox")).text();
    expect(newest).not.toContain("Old message 0000");
    expect(newest).toContain('href="/admin/outbox?page=2"');
    // The users' list, in the API too: a page, how many in all, and whether there are more.
    const token = await t.token("admin");
    const all = await json(await t.api(token, "/api/v1/admin/users?pageSize=100"));
    expect(all.total).toBe(all.users.length);
    const second = await json(await t.api(token, "/api/v1/admin/users?pageSize=2&page=2"));
    expect(second.users.map((u: { username: string }) => u.username)).toEqual(
      all.users.slice(2, 4).map((u: { username: string }) => u.username),
    );
    expect(second).toMatchObject({ total: all.total, more: all.total > 4 });
  });

  it("lists an LA's establishments by its code", async () => {
    const page = pageText(await (await admin.request("/admin/establishments?q=823")).text());
    expect(page).toContain("Brookfield Primary School");
    expect(page).toContain("Hillcrest Academy");
    expect(page).not.toContain("Meadow Lane Primary School");
    const closed = pageText(
      await (await admin.request("/admin/establishments?q=823&status=closed")).text(),
    );
    expect(closed).not.toContain("Brookfield Primary School");
  });
});

/**
 * An outside test made a school account with an address it controlled, as an administrator, and
 * read the school's pupils through it. A school or LA account an administrator makes now opens
 * only when its organisation approves it: one of its users, its notice address by a single-use
 * link, or (no users yet) a second administrator. Every new LA account alerts that LA.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/hub/users.js";
import { DATABASES } from "../helpers/db.js";
import { eventually, json, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`approving new accounts on ${target.name}`, () => {
    let t: TestHub;
    let admin = "";
    let otherAdmin = "";

    const post = (token: string, path: string, body: unknown = {}) =>
      t.api(token, path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const make = async (fields: Record<string, string>) => {
      const r = await post(admin, "/api/v1/admin/users", fields);
      expect(r.status, await r.clone().text()).toBe(201);
      return (await json(r)).user.id as string;
    };
    /** The newest mail to `to` whose text matches, once the outbox has sent it. */
    const mailTo = (to: string, match: RegExp) =>
      eventually(`mail to ${to} matching ${match}`, async () => {
        await t.hub.deliverMail();
        return t.smtp
          .to(to)
          .reverse()
          .find((m) => match.test(m.text ?? ""));
      });
    const signInWith = (username: string, password: string) =>
      t.api(undefined, "/api/v1/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password }),
      });
    const chooseFromLink = async (email: string, password: string) => {
      const link = await t.signInLink(email);
      const page = new PageClient(t.url);
      const r = await page.post(link, { _csrf: await page.token(), password, confirm: password });
      expect(r.status).toBe(303);
    };

    beforeAll(async () => {
      t = await startTestHub(target.name);
      await createUser(t.hub.ctx, null, {
        username: "second-admin",
        email: "second-admin@users.invalid",
        role: "admin",
      });
      admin = await t.token("admin");
      otherAdmin = await t.token("second-admin");
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("opens an account only when its school's notice address approves it by the link", async () => {
      const made = await post(admin, "/api/v1/admin/users", {
        username: "st-annes-new",
        email: "attacker@admin-controlled.invalid",
        role: "school",
        establishment: "9382003",
      });
      expect(made.status).toBe(201);
      const body = await json(made);
      expect(body).toEqual({
        user: { id: expect.any(String), username: "st-annes-new", role: "school" },
        awaitingApproval: true,
      });
      const id = body.user.id;
      // The school's notice address is asked, with a link; the new address gets nothing yet.
      const asked = await mailTo("office@9382003.schools.invalid", /\/approve-account\//);
      expect(asked.subject).toBe("S2S: approve or decline a new account for your organisation");
      expect(t.smtp.to("attacker@admin-controlled.invalid")).toEqual([]);
      // Nothing the administrator can do opens it: enabling, a reset link, approving it.
      const enable = await post(admin, `/api/v1/admin/users/${id}/disable`, { disabled: false });
      expect(enable.status).toBe(400);
      expect((await json(enable)).error.message).toContain("waits for its organisation's approval");
      expect((await post(admin, `/api/v1/admin/users/${id}/reset-password`)).status).toBe(400);
      expect((await post(admin, `/api/v1/approvals/${id}/approve`)).status).toBe(403);
      expect(await json(await t.api(admin, "/api/v1/approvals"))).toEqual({ accounts: [] });
      // The school has no users, so another administrator could; a user of another school not.
      const theirs = await json(await t.api(otherAdmin, "/api/v1/approvals"));
      expect(theirs.accounts.map((a: { id: string }) => a.id)).toEqual([id]);
      const meadow = await t.token("meadowlane");
      expect((await post(meadow, `/api/v1/approvals/${id}/approve`)).status).toBe(403);
      const listed = await json(await t.api(admin, "/api/v1/admin/users?pageSize=100"));
      expect(
        listed.users.find((u: { username: string }) => u.username === "st-annes-new"),
      ).toMatchObject({ disabled: true, awaitingApproval: true });

      // Opening the link changes nothing (mail scanners open links); the button does.
      const link = /\/approve-account\/[A-Za-z0-9_-]+/.exec(asked.text ?? "")?.[0] ?? "";
      const page = new PageClient(t.url);
      const shown = await page.request(link);
      expect(shown.status).toBe(200);
      const text = await shown.text();
      expect(text).toContain("st-annes-new");
      expect(text).toContain("attacker@admin-controlled.invalid");
      expect(t.smtp.to("attacker@admin-controlled.invalid")).toEqual([]);
      const approved = await page.post(link, { _csrf: await page.token(), decision: "approve" });
      expect(approved.status).toBe(200);
      expect(await approved.text()).toContain("Account approved");
      // The link works once.
      expect((await page.request(link)).status).toBe(410);
      await chooseFromLink("attacker@admin-controlled.invalid", "st annes own passphrase");
      expect((await signInWith("st-annes-new", "st annes own passphrase")).status).toBe(200);
      const audit = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select(["action", "detail"])
        .where("target", "=", `user:${id}`)
        .where("action", "=", "user.approve")
        .executeTakeFirstOrThrow();
      expect(audit.detail).toEqual({ username: "st-annes-new", by: "notice address" });
    });

    it("lets a user of the school approve or decline, and no one at another school", async () => {
      const kept = await make({
        username: "meadow-second",
        email: "ms@users.invalid",
        role: "school",
        establishment: "9382001",
      });
      const gone = await make({
        username: "meadow-unknown",
        email: "mu@users.invalid",
        role: "school",
        establishment: "9382001",
      });
      // Its users are told to approve on their pages, and are shown it on their home page.
      await mailTo("meadowlane@users.invalid", /\/approvals/);
      const office = new PageClient(t.url);
      await office.signIn("meadowlane", "demo-password-only");
      expect(await (await office.request("/")).text()).toContain(
        "2 new accounts for your organisation wait for your approval",
      );
      const brook = await t.token("brookfield");
      expect(await json(await t.api(brook, "/api/v1/approvals"))).toEqual({ accounts: [] });
      expect((await post(brook, `/api/v1/approvals/${kept}/approve`)).status).toBe(403);
      // The school has a user, so no administrator decides for it.
      expect(await json(await t.api(otherAdmin, "/api/v1/approvals"))).toEqual({ accounts: [] });
      expect((await post(otherAdmin, `/api/v1/approvals/${kept}/approve`)).status).toBe(403);

      const approvals = await (await office.request("/approvals")).text();
      expect(approvals).toContain("meadow-second");
      expect(approvals).toContain("meadow-unknown");
      const _csrf = await office.token();
      const declined = await office.post(`/approvals/${gone}`, { _csrf, decision: "decline" });
      expect(declined.headers.get("location")).toBe("/approvals?done=decline");
      const approved = await office.post(`/approvals/${kept}`, { _csrf, decision: "approve" });
      expect(approved.headers.get("location")).toBe("/approvals?done=approve");
      const left = await t.hub.ctx.db
        .selectFrom("users")
        .select("username")
        .where("username", "in", ["meadow-second", "meadow-unknown"])
        .execute();
      expect(left.map((u) => u.username)).toEqual(["meadow-second"]);
      await chooseFromLink("ms@users.invalid", "meadow second passphrase");
      expect((await signInWith("meadow-second", "meadow second passphrase")).status).toBe(200);
      expect(t.smtp.to("mu@users.invalid")).toEqual([]);
    });

    it("has a second administrator approve for a school with no users, never the first", async () => {
      // Northshire Independent School has no users and no notice address.
      const id = await make({
        username: "new-school-office",
        email: "nso@users.invalid",
        role: "school",
        establishment: "8236000",
      });
      // Nobody at the school to ask: the other administrators are.
      await mailTo("second-admin@users.invalid", /new-school-office/);
      expect((await post(admin, `/api/v1/approvals/${id}/approve`)).status).toBe(403);
      expect((await post(otherAdmin, `/api/v1/approvals/${id}/approve`)).status).toBe(204);
      await chooseFromLink("nso@users.invalid", "new school office words");
      expect((await signInWith("new-school-office", "new school office words")).status).toBe(200);
    });

    it("alerts the LA to every new LA account, and only that LA may approve one", async () => {
      // Made by the operator at the server: active at once, and the LA is told.
      await createUser(t.hub.ctx, null, {
        username: "northshire-cli",
        email: "cli@users.invalid",
        role: "la",
        laCode: "823",
      });
      for (const to of ["ctf@823.la.invalid", "northshire-la@users.invalid"]) {
        const told = await mailTo(to, /northshire-cli/);
        expect(told.subject).toBe("S2S: a new account for your organisation");
      }
      // Made by an administrator: it waits, and the LA is asked.
      const id = await make({
        username: "northshire-new",
        email: "nn@users.invalid",
        role: "la",
        laCode: "823",
      });
      await mailTo("ctf@823.la.invalid", /northshire-new[\s\S]*\/approve-account\//);
      await mailTo("northshire-la@users.invalid", /northshire-new[\s\S]*\/approvals/);
      // A school in the LA is not the LA.
      const brook = await t.token("brookfield");
      expect((await post(brook, `/api/v1/approvals/${id}/approve`)).status).toBe(403);
      const la = await t.token("northshire-la");
      const waiting = await json(await t.api(la, "/api/v1/approvals"));
      expect(waiting.accounts).toEqual([
        expect.objectContaining({ id, username: "northshire-new", role: "la" }),
      ]);
      expect((await post(la, `/api/v1/approvals/${id}/approve`)).status).toBe(204);
      expect((await post(la, `/api/v1/approvals/${id}/approve`)).status).toBe(404);
      await t.signInLink("nn@users.invalid");
    });
  });
}

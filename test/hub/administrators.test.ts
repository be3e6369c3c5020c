/**
 * Administrators run the service but never get at pupil data and never act as someone else:
 * no tokens made for other people, no searches of the registers, and search criteria masked in
 * the audit log they read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/hub/tokens.js";
import { createUser } from "../../src/hub/users.js";
import { AppError } from "../../src/platform/errors.js";
import { DATABASES } from "../helpers/db.js";
import { eventually, json, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient, pageText } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`administrators on ${target.name}`, () => {
    let t: TestHub;
    let admin = "";

    const post = (token: string, path: string, body: unknown) =>
      t.api(token, path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    beforeAll(async () => {
      t = await startTestHub(target.name);
      admin = await t.token("admin");
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("cannot make an API token for someone else, which would act as them", async () => {
      expect((await post(admin, "/api/v1/admin/tokens", { username: "meadowlane" })).status).toBe(
        404,
      );
      const me = await json(await t.api(admin, "/api/v1/me"));
      const asAdmin = {
        userId: me.id,
        username: "admin",
        role: "admin" as const,
        establishment: null,
        laCode: null,
      };
      const refused = await createToken(t.hub.ctx, asAdmin, "meadowlane").catch((e) => e);
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).code).toBe("forbidden");
      const page = new PageClient(t.url);
      await page.signIn("admin", PASSWORD, () => t.code("admin"));
      const users = await json(await t.api(admin, "/api/v1/admin/users"));
      const meadow = users.users.find((u: { username: string }) => u.username === "meadowlane");
      const viaPage = await page.post(`/admin/users/${meadow.id}/tokens`, {
        _csrf: await page.token(),
        label: "mine now",
      });
      // The route is gone (404, or 403 first: an unknown address parses no form token).
      expect([403, 404]).toContain(viaPage.status);
      expect(await json(await t.api(admin, `/api/v1/admin/users/${meadow.id}/tokens`))).toEqual({
        tokens: [],
      });
    });

    it("lets a user make their own token, with an expiry, and an administrator revoke it", async () => {
      const office = new PageClient(t.url);
      await office.signIn("meadowlane", PASSWORD);
      const _csrf = await office.token();
      const tryMaking = (fields: Record<string, string>) =>
        office.post("/account/tokens", { _csrf, label: "folder agent", ...fields });
      // A session alone makes no token (an outside test minted lasting ones from a stolen one):
      // the password is asked again, and a token always ends, within the service's ceiling.
      const noPassword = await tryMaking({ expiresInDays: "90" });
      expect(noPassword.status).toBe(400);
      expect(await noPassword.text()).toContain("Your password is not right");
      const wrong = await tryMaking({ expiresInDays: "90", password: "not the password" });
      expect(wrong.status).toBe(400);
      for (const expiresInDays of ["never", "366", "0"]) {
        const tooLong = await tryMaking({ expiresInDays, password: PASSWORD });
        expect(tooLong.status, expiresInDays).toBe(400);
        expect(await tooLong.text()).toContain("after 1 to 365 whole days");
      }
      const failures = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("action")
        .where("action", "=", "password-change.failed")
        .where("username", "=", "meadowlane")
        .execute();
      expect(failures.length).toBeGreaterThanOrEqual(2);
      const made = await tryMaking({ expiresInDays: "90", password: PASSWORD });
      expect(made.status).toBe(200);
      const token = /(s2s_[A-Za-z0-9_-]{40,})/.exec(await made.text())?.[1] ?? "";
      expect((await t.api(token, "/api/v1/me")).status).toBe(200);
      const mine = await json(await t.api(token, "/api/v1/tokens"));
      expect(mine.tokens).toHaveLength(1);
      expect(mine.tokens[0]).toMatchObject({ label: "folder agent", expired: false });
      // An administrator sees it (never the secret) and can revoke it.
      const users = await json(await t.api(admin, "/api/v1/admin/users"));
      const meadow = users.users.find((u: { username: string }) => u.username === "meadowlane");
      const listed = await json(await t.api(admin, `/api/v1/admin/users/${meadow.id}/tokens`));
      expect(JSON.stringify(listed)).not.toContain(token);
      // After 90 days it stops working.
      t.advanceDays(91);
      expect((await t.api(token, "/api/v1/me")).status).toBe(401);
      t.advanceDays(-91);
      const second = await createToken(t.hub.ctx, null, "meadowlane", { label: "operator's" });
      const revoked = await t.api(admin, `/api/v1/admin/tokens/${second.id}`, {
        method: "DELETE",
      });
      expect(revoked.status).toBe(204);
      expect((await t.api(second.token, "/api/v1/me")).status).toBe(401);
    });

    it("lets an administrator shorten one user's token life, and their tokens with it", async () => {
      const lasting = await createToken(t.hub.ctx, null, "brookfield", { label: "until revoked" });
      const long = await createToken(t.hub.ctx, null, "brookfield", { expiresInDays: 300 });
      const short = await createToken(t.hub.ctx, null, "brookfield", { expiresInDays: 3 });
      const users = await json(await t.api(admin, "/api/v1/admin/users"));
      const brook = users.users.find((u: { username: string }) => u.username === "brookfield");
      expect(brook.tokenMaxDays).toBeNull();
      // Only an administrator sets it, and only within the service's longest.
      const path = `/api/v1/admin/users/${brook.id}/token-life`;
      expect((await post(lasting.token, path, { tokenMaxDays: 7 })).status).toBe(403);
      const tooLong = await post(admin, path, { tokenMaxDays: 400 });
      expect(tooLong.status).toBe(400);
      expect((await json(tooLong)).error.message).toContain("1 to 365 whole days");

      const page = new PageClient(t.url);
      await page.signIn("admin", PASSWORD, () => t.code("admin"));
      const notANumber = await page.post(`/admin/users/${brook.id}/token-life`, {
        _csrf: await page.token(),
        tokenMaxDays: "a week",
      });
      expect(notANumber.status).toBe(400);
      expect(await notANumber.text()).toContain("Give a number of whole days");
      const set = await page.post(`/admin/users/${brook.id}/token-life`, {
        _csrf: await page.token(),
        tokenMaxDays: "7",
      });
      expect(set.status).toBe(303);
      const shown = await page.request(set.headers.get("location") ?? "");
      const text = pageText(await shown.text());
      expect(text).toContain("2 of their tokens would have lasted longer");
      expect(text).toContain("Tokens last at most 7 days");
      const listed = await json(await t.api(admin, "/api/v1/admin/users"));
      expect(listed.users.find((u: { id: string }) => u.id === brook.id).tokenMaxDays).toBe(7);

      // The lasting tokens now end within the week; the 3-day one is untouched.
      t.advanceDays(4);
      expect((await t.api(short.token, "/api/v1/me")).status).toBe(401);
      expect((await t.api(lasting.token, "/api/v1/me")).status).toBe(200);
      t.advanceDays(4);
      for (const gone of [lasting, long])
        expect((await t.api(gone.token, "/api/v1/me")).status).toBe(401);
      t.advanceDays(-8);

      // The user is offered, and may make, no longer; nor may the operator for them.
      const office = new PageClient(t.url);
      await office.signIn("brookfield", PASSWORD);
      expect(pageText(await (await office.request("/account")).text())).toContain(
        "after at most 7 days",
      );
      const _csrf = await office.token();
      const mine = (expiresInDays: string) =>
        office.post("/account/tokens", {
          _csrf,
          label: "agent",
          expiresInDays,
          password: PASSWORD,
        });
      const refused = await mine("30");
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("after 1 to 7 whole days");
      expect((await mine("7")).status).toBe(200);
      const operator = await createToken(t.hub.ctx, null, "brookfield").catch((e) => e);
      expect((operator as AppError).code).toBe("invalid");
      expect(await createToken(t.hub.ctx, null, "brookfield", { expiresInDays: 5 })).toMatchObject({
        token: expect.stringMatching(/^s2s_/),
      });

      const audited = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "user.token-life")
        .where("target", "=", `user:${brook.id}`)
        .execute();
      expect(audited.map((a) => a.detail)).toEqual([{ tokenMaxDays: 7, shortened: 2 }]);
      // Cleared, the service's longest applies again.
      const cleared = await post(admin, path, { tokenMaxDays: null });
      expect(await json(cleared)).toEqual({ tokenMaxDays: null, shortened: 0 });
    });

    it("offers to revoke every token of a user changing their password", async () => {
      await createUser(t.hub.ctx, null, {
        username: "changer",
        email: "changer@users.invalid",
        role: "school",
        establishment: "9382003",
        password: PASSWORD,
      });
      const [kept, gone1, gone2] = [
        await createToken(t.hub.ctx, null, "changer"),
        await createToken(t.hub.ctx, null, "changer"),
        await createToken(t.hub.ctx, null, "changer", { expiresInDays: 30 }),
      ].map((made) => made.token);
      const page = new PageClient(t.url);
      await page.signIn("changer", PASSWORD);
      const change = async (from: string, to: string, revoke: boolean) => {
        const r = await page.post("/account/password", {
          _csrf: await page.token(),
          current: from,
          password: to,
          confirm: to,
          ...(revoke ? { revokeTokens: "yes" } : {}),
        });
        expect(r.status).toBe(303);
        return r.headers.get("location");
      };
      const account = await (await page.request("/account")).text();
      expect(account).toContain("Also revoke all my API tokens");
      // Left unticked, the tokens go on working (a scheduled program is not stopped by surprise).
      expect(await change(PASSWORD, "a first new passphrase", false)).toBe("/account?done=changed");
      expect((await t.api(kept, "/api/v1/me")).status).toBe(200);
      expect(await change("a first new passphrase", "a second new passphrase", true)).toBe(
        "/account?done=changed-revoked",
      );
      for (const token of [kept, gone1, gone2])
        expect((await t.api(token, "/api/v1/me")).status).toBe(401);
      const audited = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "user.password-change")
        .where("username", "=", "changer")
        .execute();
      expect(audited.map((a) => a.detail)).toContainEqual({ tokensRevoked: 3 });
    });

    it("cannot search the Lost Pupils register, whatever reason is given", async () => {
      const r = await post(admin, "/api/v1/lost-pupils/search", {
        surname: "Smith",
        reason: "A parent telephoned about their child",
      });
      expect(r.status).toBe(403);
      const page = new PageClient(t.url);
      await page.signIn("admin", PASSWORD, () => t.code("admin"));
      const viaPage = await page.post("/lost-pupils", {
        _csrf: await page.token(),
        surname: "Smith",
        reason: "A parent telephoned about their child",
      });
      expect(viaPage.status).toBe(403);
    });

    it("reads LA searches in the audit log masked, and the reading is itself audited", async () => {
      const la = await t.token("northshire-la");
      const searched = await post(la, "/api/v1/lost-pupils/search", {
        surname: "Zebedee",
        dob: "2015-03-04",
      });
      expect(searched.status).toBe(200);
      const r = await t.api(admin, "/api/v1/admin/audit?action=search");
      const body = await r.text();
      expect(body).not.toContain("Zebedee");
      expect(body).not.toContain("2015-03-04");
      const events = JSON.parse(body).events;
      expect(events[0].detail.criteria).toEqual({ surname: "(given)", dob: "(given)" });
      // The log keeps no value in clear (an outside test found them kept for ever), only a keyed
      // digest: with the service's key, a data-protection request can still ask who searched
      // for "Zebedee", born 4 March 2015.
      const kept = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "search")
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(kept.detail)).not.toContain("Zebedee");
      expect(JSON.stringify(kept.detail)).not.toContain("2015-03-04");
      expect((kept.detail as { criteria: Record<string, string> }).criteria).toEqual({
        surname: t.hub.ctx.secrets.digest("zebedee"),
        dob: t.hub.ctx.secrets.digest("2015-03-04"),
      });
      const reads = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select(["username", "detail"])
        .where("action", "=", "audit.read")
        .execute();
      expect(reads.map((e) => e.username)).toContain("admin");
    });

    it("creates accounts without knowing their passwords, and tells the organisation", async () => {
      const withPassword = await post(admin, "/api/v1/admin/users", {
        username: "chosen-by-admin",
        email: "c@users.invalid",
        role: "school",
        establishment: "9382003",
        password: "the administrator knows this one",
      });
      expect(withPassword.status).toBe(400);
      const made = await post(admin, "/api/v1/admin/users", {
        username: "st-annes-office",
        email: "sa@users.invalid",
        role: "school",
        establishment: "9382003",
      });
      expect(made.status).toBe(201);
      const body = await json(made);
      expect(body).toEqual({
        user: { id: expect.any(String), username: "st-annes-office", role: "school" },
        awaitingApproval: true,
      });
      // The school's notice address is asked to approve it (account-approvals.test.ts); the
      // mail names no password and no sign-in link.
      const told = await eventually("the school asked", async () => {
        await t.hub.deliverMail();
        return t.smtp
          .to("office@9382003.schools.invalid")
          .find((m) => /st-annes-office/.test(m.text ?? ""));
      });
      expect(told.text).not.toContain("/sign-in/link/");
      // An administrator's account opens at once, by the link only its user receives.
      const another = await post(admin, "/api/v1/admin/users", {
        username: "third-admin",
        email: "third@users.invalid",
        role: "admin",
      });
      expect(await json(another)).toEqual({
        user: { id: expect.any(String), username: "third-admin", role: "admin" },
        linkSentTo: "third@users.invalid",
      });
      await t.signInLink("third@users.invalid");
    });

    it("resets another administrator's sign-in by a link only they receive", async () => {
      const users = await json(await t.api(admin, "/api/v1/admin/users"));
      const la = users.users.find((u: { username: string }) => u.username === "northshire-la");
      const reset = await post(admin, `/api/v1/admin/users/${la.id}/reset-password`, {
        secondFactor: true,
      });
      expect(await json(reset)).toEqual({ linkSentTo: "northshire-la@users.invalid" });
      // A lost phone: the link clears the old second factor, to be set up again at sign-in.
      const link = await t.signInLink("northshire-la@users.invalid");
      const page = new PageClient(t.url);
      const _csrf = await page.token();
      const chosen = await page.post(link, {
        _csrf,
        password: "the officer's new passphrase",
        confirm: "the officer's new passphrase",
      });
      expect(chosen.headers.get("location")).toBe("/sign-in/set-up");
      const r = await post("", "/api/v1/session", {
        username: "northshire-la",
        password: "the officer's new passphrase",
        code: t.code("northshire-la"),
      });
      expect((await json(r)).error.code).toBe("auth.enrolment-required");
    });

    it("cannot quietly redirect a school's file notices: the new address confirms, the old one hears", async () => {
      const asked = await t.api(admin, "/api/v1/admin/establishments/9382001", {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "someone@elsewhere.invalid" }),
      });
      expect(asked.status).toBe(202);
      expect(await json(asked)).toEqual({ confirmationSentTo: "someone@elsewhere.invalid" });
      const school = () =>
        t.hub.ctx.db
          .selectFrom("establishments")
          .select("email")
          .where("laestab", "=", "9382001")
          .executeTakeFirstOrThrow();
      expect((await school()).email).toBe("office@9382001.schools.invalid");
      await t.hub.deliverMail();
      const warned = t.smtp
        .to("office@9382001.schools.invalid")
        .filter((m) => /was asked for/.test(m.subject ?? ""));
      expect(warned).toHaveLength(1);
      expect(warned[0]?.text).toContain("someone@elsewhere.invalid");
      const link = /\/confirm-email\/[A-Za-z0-9_-]+/.exec(
        t.smtp.to("someone@elsewhere.invalid")[0]?.text ?? "",
      )?.[0];
      expect(link).toBeDefined();
      // Opening the link changes nothing (mail scanners open links); confirming does, once.
      const page = new PageClient(t.url);
      expect((await page.request(link ?? "")).status).toBe(200);
      expect((await school()).email).toBe("office@9382001.schools.invalid");
      const confirmed = await page.post(link ?? "", { _csrf: await page.token() });
      expect(confirmed.status).toBe(200);
      expect((await school()).email).toBe("someone@elsewhere.invalid");
      expect((await page.request(link ?? "")).status).toBe(410);
      await t.hub.deliverMail();
      expect(
        t.smtp
          .to("office@9382001.schools.invalid")
          .filter((m) => /now go elsewhere/.test(m.subject ?? "")),
      ).toHaveLength(1);
    });
  });
}

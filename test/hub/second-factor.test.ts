/**
 * The second factor through the API contract: a required code missing or wrong, a code used
 * twice, a recovery code, wrong codes counting toward the lockout, an account that must set one
 * up, and a school that turns it on. The codes themselves follow RFC 6238's published vectors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setSchoolSecondFactor } from "../../src/hub/second-factor.js";
import { createUser } from "../../src/hub/users.js";
import { codeAt } from "../../src/platform/accounts/totp.js";
import { DATABASES } from "../helpers/db.js";
import { json, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";

describe("authenticator codes", () => {
  it("are RFC 6238's for its published key and times", () => {
    // The RFC's SHA-1 key, "12345678901234567890", in base32; its 8-digit codes end in these 6.
    const key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    expect(codeAt(key, Math.floor(59 / 30))).toBe("287082");
    expect(codeAt(key, Math.floor(1111111109 / 30))).toBe("081804");
    expect(codeAt(key, Math.floor(1234567890 / 30))).toBe("005924");
    expect(codeAt(key, Math.floor(2000000000 / 30))).toBe("279037");
  });
});

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the second factor on ${target.name}`, () => {
    let t: TestHub;

    const session = (body: Record<string, string>) =>
      fetch(`${t.url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    async function answer(body: Record<string, string>) {
      const r = await session(body);
      return r.status === 200 ? "200" : `${r.status} ${(await json(r)).error.code}`;
    }

    beforeAll(async () => {
      t = await startTestHub(target.name);
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("asks an LA user for a code, refuses a wrong or reused one, and takes a right one", async () => {
      const who = { username: "northshire-la", password: PASSWORD };
      expect(await answer(who)).toBe("401 auth.code-required");
      expect(await answer({ ...who, code: "123456" })).toBe("401 auth.code");
      const code = t.code("northshire-la");
      expect(await answer({ ...who, code })).toBe("200");
      expect(await answer({ ...who, code })).toBe("401 auth.code");
      expect(await answer({ ...who, code: t.code("northshire-la") })).toBe("200");
    });

    it("counts wrong codes toward the lockout", async () => {
      const who = { username: "admin", password: PASSWORD };
      const answers: string[] = [];
      for (let i = 0; i < 5; i++) answers.push(await answer({ ...who, code: "000000" }));
      expect(answers).toEqual([...Array(4).fill("401 auth.code"), "423 auth.locked"]);
      expect(await answer({ ...who, code: t.code("admin") })).toBe("423 auth.locked");
    });

    it("makes an account that must have one set it up first, and lets a school require it", async () => {
      await createUser(t.hub.ctx, null, {
        username: "plain-la",
        email: "plain@la.invalid",
        role: "la",
        laCode: "823",
        password: "a proper long passphrase",
      });
      expect(await answer({ username: "plain-la", password: "a proper long passphrase" })).toBe(
        "401 auth.enrolment-required",
      );
      // A school user signs in with a password alone until the school requires more.
      expect(await answer({ username: "brookfield", password: PASSWORD })).toBe("200");
      const office = new PageClient(t.url);
      await office.signIn("brookfield", PASSWORD);
      const r = await office.post("/school/second-factor", {
        _csrf: await office.token(),
        required: "yes",
      });
      expect(r.headers.get("location")).toBe("/school?done=second-factor-on");
      expect(await answer({ username: "brookfield", password: PASSWORD })).toBe(
        "401 auth.enrolment-required",
      );
      const page = new PageClient(t.url);
      const _csrf = await page.token();
      const step = await page.post("/sign-in", {
        username: "brookfield",
        password: PASSWORD,
        _csrf,
        next: "/",
      });
      expect(step.headers.get("location")).toBe("/sign-in/set-up");
      const setUp = await page.request("/sign-in/set-up");
      expect(await setUp.text()).toMatch(/name="code"/);
      // Turning it off again is the school's choice, and audited.
      const brookfield = await t.hub.ctx.db
        .selectFrom("users")
        .select(["id", "username", "role", "establishment", "la_code"])
        .where("username", "=", "brookfield")
        .executeTakeFirstOrThrow();
      await setSchoolSecondFactor(
        t.hub.ctx,
        {
          userId: brookfield.id,
          username: brookfield.username,
          role: brookfield.role,
          establishment: brookfield.establishment,
          laCode: brookfield.la_code,
        },
        false,
      );
      expect(await answer({ username: "brookfield", password: PASSWORD })).toBe("200");
      const audited = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "school.second-factor")
        .orderBy("id")
        .execute();
      expect(audited.map((a) => (a.detail as { required: boolean }).required)).toEqual([
        true,
        false,
      ]);
    });

    it("takes a recovery code once, and asks for the code on the page's second step", async () => {
      const page = new PageClient(t.url);
      const _csrf = await page.token();
      const first = await page.post("/sign-in", {
        username: "northshire-la",
        password: PASSWORD,
        _csrf,
        next: "/received",
      });
      expect(first.status).toBe(303);
      expect(first.headers.get("location")).toBe("/sign-in/code?next=%2Freceived");
      const form = await (await page.request("/sign-in/code?next=%2Freceived")).text();
      expect(form).toMatch(/<input[^>]+name="code"/);
      // Not yet signed in: the half-way cookie opens nothing.
      expect((await page.request("/received")).status).toBe(303);
      const wrong = await page.post("/sign-in/code", { code: "999999", _csrf, next: "/received" });
      expect(wrong.status).toBe(401);
      const right = await page.post("/sign-in/code", {
        code: t.code("northshire-la"),
        _csrf,
        next: "/received",
      });
      expect(right.status).toBe(303);
      expect(right.headers.get("location")).toBe("/received");
      expect((await page.request("/received")).status).toBe(200);
      // New recovery codes from the account page; one signs in through the API, once.
      const made = await page.post("/account/recovery-codes", { _csrf: await page.token() });
      const recovery = [
        ...(await made.text()).matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g),
      ].map((m) => m[1] ?? "");
      expect(recovery).toHaveLength(10);
      const who = { username: "northshire-la", password: PASSWORD };
      expect(await answer({ ...who, code: recovery[3] ?? "" })).toBe("200");
      expect(await answer({ ...who, code: recovery[3] ?? "" })).toBe("401 auth.code");
    });
  });
}

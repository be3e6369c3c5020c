/**
 * Who may reach which page, role by route: every page route of the app is listed here (a new
 * route without a row fails the first test), and each is tried signed out, without a form token,
 * as the wrong role, and as an organisation with no part in the file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { createToken } from "../../src/hub/tokens.js";
import { createUser } from "../../src/hub/users.js";
import { addElsewhere, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient, routesOf } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";
const ELSEWHERE_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
type Who = "anonymous" | "school" | "otherSchool" | "la" | "otherLa" | "admin";

// What each route answers when the wrong person asks. "file" routes are tried on a file sent by
// brookfield (8231234) to meadowlane (9382001); "admin" routes only answer administrators.
const PAGE_ROUTES: {
  path: string;
  method: "GET" | "POST";
  kind: "open" | "any" | "file" | "admin" | "school" | "la";
}[] = [
  { path: "/", method: "GET", kind: "any" },
  { path: "/sign-in", method: "GET", kind: "open" },
  { path: "/sign-in", method: "POST", kind: "open" },
  { path: "/sign-in/code", method: "GET", kind: "open" },
  { path: "/sign-in/code", method: "POST", kind: "open" },
  { path: "/sign-in/set-up", method: "GET", kind: "open" },
  { path: "/sign-in/set-up", method: "POST", kind: "open" },
  { path: "/sign-in/link/:token", method: "GET", kind: "open" },
  { path: "/sign-in/link/:token", method: "POST", kind: "open" },
  { path: "/sign-out", method: "POST", kind: "open" },
  { path: "/confirm-email/:token", method: "GET", kind: "open" },
  { path: "/confirm-email/:token", method: "POST", kind: "open" },
  { path: "/approve-account/:token", method: "GET", kind: "open" },
  { path: "/approve-account/:token", method: "POST", kind: "open" },
  { path: "/approvals", method: "GET", kind: "any" },
  { path: "/approvals/:id", method: "POST", kind: "any" },
  { path: "/account", method: "GET", kind: "any" },
  { path: "/account/password", method: "POST", kind: "any" },
  { path: "/account/new-password", method: "GET", kind: "any" },
  { path: "/account/new-password", method: "POST", kind: "any" },
  { path: "/account/notices", method: "POST", kind: "any" },
  { path: "/account/downloaded-notices", method: "POST", kind: "any" },
  { path: "/account/second-factor", method: "GET", kind: "any" },
  { path: "/account/second-factor", method: "POST", kind: "any" },
  { path: "/account/recovery-codes", method: "POST", kind: "any" },
  { path: "/account/tokens", method: "POST", kind: "any" },
  { path: "/account/tokens/:id/revoke", method: "POST", kind: "any" },
  { path: "/send", method: "GET", kind: "any" },
  { path: "/send", method: "POST", kind: "any" },
  { path: "/send/results", method: "GET", kind: "any" },
  { path: "/send/outcome/:id", method: "GET", kind: "file" },
  { path: "/received", method: "GET", kind: "any" },
  { path: "/received/search", method: "POST", kind: "any" },
  { path: "/received/:id", method: "GET", kind: "file" },
  { path: "/received/:id/accept", method: "POST", kind: "file" },
  { path: "/received/:id/download", method: "GET", kind: "file" },
  { path: "/received/:id/reject", method: "POST", kind: "file" },
  { path: "/received/:id/remove", method: "POST", kind: "file" },
  { path: "/received/:id/pass-on", method: "POST", kind: "file" },
  { path: "/sent", method: "GET", kind: "any" },
  { path: "/sent/search", method: "POST", kind: "any" },
  { path: "/sent/:id", method: "GET", kind: "file" },
  { path: "/sent/:id/remove", method: "POST", kind: "file" },
  { path: "/school", method: "GET", kind: "school" },
  { path: "/school/correction", method: "POST", kind: "school" },
  { path: "/school/second-factor", method: "POST", kind: "school" },
  { path: "/to-schools", method: "GET", kind: "la" },
  { path: "/lost-pupils", method: "GET", kind: "la" },
  { path: "/lost-pupils", method: "POST", kind: "la" },
  { path: "/lost-pupils/matches", method: "GET", kind: "la" },
  { path: "/lost-pupils/matches/:id/confirm", method: "POST", kind: "la" },
  { path: "/lost-pupils/matches/:id/dismiss", method: "POST", kind: "la" },
  { path: "/admin/establishments", method: "GET", kind: "admin" },
  { path: "/admin/establishments/:laestab", method: "GET", kind: "admin" },
  { path: "/admin/establishments/:laestab/email", method: "POST", kind: "admin" },
  { path: "/admin/users", method: "GET", kind: "admin" },
  { path: "/admin/users", method: "POST", kind: "admin" },
  { path: "/admin/users/new", method: "GET", kind: "admin" },
  { path: "/admin/users/:id", method: "GET", kind: "admin" },
  { path: "/admin/users/:id/disable", method: "POST", kind: "admin" },
  { path: "/admin/users/:id/reset-password", method: "POST", kind: "admin" },
  { path: "/admin/users/:id/token-life", method: "POST", kind: "admin" },
  { path: "/admin/tokens/:id/revoke", method: "POST", kind: "admin" },
  { path: "/admin/audit", method: "GET", kind: "admin" },
  { path: "/admin/audit", method: "POST", kind: "admin" },
  { path: "/admin/outbox", method: "GET", kind: "admin" },
  { path: "/admin/outbox/:id", method: "GET", kind: "admin" },
  { path: "/admin/corrections/:id/done", method: "POST", kind: "admin" },
  { path: "/accessibility", method: "GET", kind: "open" },
  { path: "/privacy", method: "GET", kind: "open" },
  { path: "/cookies", method: "GET", kind: "open" },
  { path: "/help", method: "GET", kind: "open" },
  ...["sending", "problems", "receiving", "lost-pupils", "codes"].map((topic) => ({
    path: `/help/${topic}`,
    method: "GET" as const,
    kind: "open" as const,
  })),
];

describe("page access, role by route", () => {
  let t: TestHub;
  const as = {} as Record<Who, PageClient>;
  const tokens = {} as Record<Who, string>;
  let fileId = "";
  let userId = "";
  let tokenId = "";

  beforeAll(async () => {
    t = await startTestHub("pglite");
    const ctx = t.hub.ctx;
    await addElsewhere(t);
    t.totpSecrets.set("elsewhere-la", ELSEWHERE_KEY);
    for (const [username, input] of [
      ["hillcrest", { role: "school", establishment: "8231235" }],
      ["elsewhere-la", { role: "la", laCode: "304", totpSecret: ELSEWHERE_KEY }],
    ] as const)
      await createUser(ctx, null, {
        username,
        email: `${username}@users.invalid`,
        password: PASSWORD,
        ...input,
      });
    const users: Record<Who, string | undefined> = {
      anonymous: undefined,
      school: "meadowlane",
      otherSchool: "hillcrest",
      la: "northshire-la",
      otherLa: "elsewhere-la",
      admin: "admin",
    };
    for (const [who, username] of Object.entries(users) as [Who, string | undefined][]) {
      as[who] = new PageClient(t.url);
      if (username) await as[who].signIn(username, PASSWORD, () => t.code(username));
      tokens[who] = await as[who].token();
    }
    const xml = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 5 }));
    const sent = await sendAndCheck(
      t,
      await t.token("brookfield"),
      "8231234_CTF_9382001_001.XML",
      xml,
    );
    expect(sent.status).toBe("available");
    fileId = sent.id;
    userId = (
      await ctx.db
        .selectFrom("users")
        .select("id")
        .where("username", "=", "hillcrest")
        .executeTakeFirstOrThrow()
    ).id;
    tokenId = (await createToken(ctx, null, "hillcrest")).id;
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
  });

  const pathOf = (p: string) =>
    p
      .replace(":id", p.includes("users") ? userId : p.includes("tokens") ? tokenId : fileId)
      .replace(":laestab", "8231234");

  function call(who: Who, route: (typeof PAGE_ROUTES)[number], withToken: boolean) {
    const client = as[who];
    const path = pathOf(route.path);
    if (route.method === "GET") return client.request(path);
    return client.post(path, withToken ? { _csrf: tokens[who] } : {});
  }

  it("lists every page route the app has", () => {
    const app = routesOf(t.hub.app?.printRoutes({ commonPrefix: false }) ?? "")
      .filter(([path]) => !/^\/(api|healthz|readyz|\*)/.test(path))
      .flatMap(([path, methods]) => methods.map((m) => `${m} ${path}`));
    expect(new Set(app)).toEqual(new Set(PAGE_ROUTES.map((r) => `${r.method} ${r.path}`)));
  });

  it("sends a signed-out visitor to sign in, and refuses their posts", async () => {
    for (const route of PAGE_ROUTES.filter((r) => r.kind !== "open")) {
      const r = await call("anonymous", route, true);
      if (route.method === "GET") {
        expect(r.status, `GET ${route.path}`).toBe(303);
        expect(r.headers.get("location"), route.path).toMatch(/^\/sign-in($|\?next=%2F)/);
      } else expect(r.status, `POST ${route.path}`).toBe(401);
    }
  });

  it("refuses every form posted without its token, whoever posts it", async () => {
    for (const who of ["anonymous", "school", "admin"] as const)
      for (const route of PAGE_ROUTES.filter((r) => r.method === "POST")) {
        const r = await call(who, route, false);
        expect(r.status, `${who} POST ${route.path}`).toBe(403);
        expect(await r.text()).toContain("This form has expired");
        // A hostile page can post multipart as easily as a plain form.
        const body = new FormData();
        body.set("reason", "forged by another site");
        const m = await as[who].request(pathOf(route.path), { method: "POST", body });
        // (Signed out, the send page asks for sign-in first: there is nothing to forge.)
        const refused = who === "anonymous" && route.path === "/send" ? 401 : 403;
        expect(m.status, `${who} multipart POST ${route.path}`).toBe(refused);
      }
  });

  it("takes no API token as a sign-in on any page (a token minted tokens there)", async () => {
    const token = await t.token("meadowlane");
    for (const route of PAGE_ROUTES.filter((r) => r.kind !== "open" && r.method === "GET")) {
      const r = await fetch(`${t.url}${pathOf(route.path)}`, {
        headers: { authorization: `Bearer ${token}` },
        redirect: "manual",
      });
      expect(r.status, route.path).toBe(303);
      expect(r.headers.get("location"), route.path).toMatch(/^\/sign-in/);
    }
    const made = await fetch(`${t.url}/account/tokens`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "label=minted",
      redirect: "manual",
    });
    expect([401, 403]).toContain(made.status);
  });

  it("keeps administration to administrators", async () => {
    for (const who of ["school", "la", "otherSchool"] as const)
      for (const route of PAGE_ROUTES.filter((r) => r.kind === "admin")) {
        const r = await call(who, route, true);
        expect(r.status, `${who} ${route.method} ${route.path}`).toBe(403);
      }
  });

  it("keeps school pages to schools and Lost Pupils to LAs", async () => {
    for (const who of ["la", "admin"] as const)
      for (const route of PAGE_ROUTES.filter((r) => r.kind === "school")) {
        const r = await call(who, route, true);
        expect([403, 404], `${who} ${route.method} ${route.path}`).toContain(r.status);
      }
    for (const route of PAGE_ROUTES.filter((r) => r.kind === "la")) {
      const r = await call("school", route, true);
      expect(r.status, `school ${route.method} ${route.path}`).toBe(403);
    }
  });

  it("hides a file from organisations with no part in it, and its pupils from admins", async () => {
    const pupils = await t.hub.ctx.db
      .selectFrom("transfer_pupils")
      .select("surname")
      .where("transfer_id", "=", fileId)
      .execute();
    for (const who of ["otherSchool", "otherLa"] as const)
      for (const route of PAGE_ROUTES.filter((r) => r.kind === "file")) {
        const r = await call(who, route, true);
        expect(r.status, `${who} ${route.method} ${route.path}`).toBe(404);
        const body = await r.text();
        for (const p of pupils) expect(body).not.toContain(p.surname);
      }
    const r = await call("admin", { path: "/received/:id", method: "GET", kind: "file" }, true);
    expect(r.status).toBe(403);
    const body = await r.text();
    for (const p of pupils) expect(body).not.toContain(p.surname);
    // The receiver, for contrast, sees them.
    const mine = await (
      await call("school", { path: "/received/:id", method: "GET", kind: "file" }, true)
    ).text();
    for (const p of pupils) expect(mine).toContain(p.surname);
  });

  it("leaves a register file to its sending school's LA to take or delete; another LA may look and pass it on", async () => {
    const lost = await sendAndCheck(
      t,
      await t.token("brookfield"),
      "8231234_CTF_XXXXXXX_003.XML",
      writeCtf(generateCtf({ from: "8231234", to: "XXXXXXX", pupils: 1, seed: 7 })),
    );
    expect(lost.status).toBe("lost");
    const at = (path: string) => ({ path, method: "GET" as const, kind: "file" as const });
    const post = (path: string) => ({ path, method: "POST" as const, kind: "file" as const });
    const page = async (who: Who) => (await call(who, at(`/received/${lost.id}`), true)).text();

    const theirs = await page("otherLa");
    expect(theirs).toContain("Pass this file on");
    expect(theirs).not.toContain("Download this file");
    expect(theirs).not.toContain("Take this file off the register");
    for (const route of [post(`/received/${lost.id}/accept`), post(`/received/${lost.id}/remove`)])
      expect((await call("otherLa", route, true)).status, `otherLa ${route.path}`).toBe(403);
    expect((await call("otherLa", at(`/received/${lost.id}/download`), true)).status).toBe(403);

    const keepers = await page("la");
    expect(keepers).toContain("Download this file");
    expect(keepers).toContain("Take this file off the register and delete it");
    expect((await call("la", at(`/received/${lost.id}/download`), true)).status).toBe(200);
    // Downloaded, it is still in the register.
    expect(await page("otherLa")).toContain("Pass this file on");
  });

  it("shows what a file says as text, never as markup", async () => {
    const doc = generateCtf({ from: "8231234", to: "9382001", pupils: 1, seed: 6 });
    const evil = '<img src=x onerror="alert(1)">';
    if (doc.pupils[0]) doc.pupils[0].surname = evil;
    const sent = await sendAndCheck(
      t,
      await t.token("brookfield"),
      "8231234_CTF_9382001_002.XML",
      writeCtf(doc),
    );
    const id = sent.id as string;
    const html = await (await as.school.request(`/received/${id}`)).text();
    expect(html).not.toContain(evil);
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("counts the days a file has waited on the receiver's home page", async () => {
    const before = await (await as.school.request("/")).text();
    expect(before).toMatch(/<td class="govuk-table__cell" data-label="Days waiting">0<\/td>/);
    t.advanceDays(3);
    // Three days on, the session has expired: sign in again.
    expect((await as.school.request("/")).status).toBe(303);
    const again = new PageClient(t.url);
    await again.signIn("meadowlane", PASSWORD);
    const after = await (await again.request("/")).text();
    expect(after).toMatch(/<td class="govuk-table__cell" data-label="Days waiting">3<\/td>/);
    expect(after).not.toMatch(/<td class="govuk-table__cell" data-label="Days waiting">0<\/td>/);
  });
  // Last: it spends this address's sign-ins for the minute.
  it("limits sign-in attempts from one address, across the page and the API, and says so", async () => {
    const client = new PageClient(t.url);
    const _csrf = await client.token();
    let limited: Response | undefined;
    for (let i = 0; i < 70 && !limited; i++) {
      // A new name each time: five wrong passwords for one name would lock it first.
      const username = `nobody-${i}`;
      const r =
        i % 2 === 0
          ? await client.post("/sign-in", { username, password: "wrong", _csrf })
          : await fetch(`${t.url}/api/v1/session`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ username, password: "wrong" }),
            });
      if (r.status === 429) limited = r;
      else expect(r.status).toBe(401);
    }
    expect(limited).toBeDefined();
    const page = await client.post("/sign-in", { username: "nobody", password: "wrong", _csrf });
    expect(page.status).toBe(429);
    expect(await page.text()).toContain("Too many requests. Wait a minute and try again.");
  });
});

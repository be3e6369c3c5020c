/**
 * Who reaches each of the school side's routes: every route is listed here with who may use it,
 * and the list must match the app's. Signed out, pages send you to sign in and the API answers
 * 401; staff are refused every manager's route; a form without its token is refused.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMis } from "../../src/school/service.js";
import { createMisToken } from "../../src/school/tokens.js";
import { PageClient, routesOf } from "../helpers/pages.js";
import { STAFF_PASSWORD, startStaffedSchool } from "../helpers/school-side.js";

type Kind = "open" | "user" | "manager";
const R = (method: string, path: string, kind: Kind) => ({ method, path, kind });

const ROUTES = [
  R("GET", "/sign-in", "open"),
  R("POST", "/sign-in", "open"),
  R("POST", "/sign-out", "open"),
  R("GET", "/sign-in/code", "open"),
  R("POST", "/sign-in/code", "open"),
  R("GET", "/sign-in/set-up", "open"),
  R("POST", "/sign-in/set-up", "open"),
  R("GET", "/sign-in/link/:token", "open"),
  R("POST", "/sign-in/link/:token", "open"),
  R("GET", "/accessibility", "open"),
  R("GET", "/privacy", "open"),
  R("GET", "/cookies", "open"),
  R("GET", "/help", "open"),
  ...["leavers", "correcting", "importing", "codes"].map((topic) =>
    R("GET", `/help/${topic}`, "open"),
  ),
  R("GET", "/", "user"),
  R("GET", "/pupils", "user"),
  R("GET", "/pupils/:id", "user"),
  R("GET", "/pupils/new", "user"),
  R("GET", "/pupils/:id/contacts/new", "user"),
  R("POST", "/pupils/:id/contacts/new", "user"),
  R("GET", "/pupils/:id/contacts/:n", "user"),
  R("POST", "/pupils/:id/contacts/:n", "user"),
  R("POST", "/pupils/:id/contacts/:n/remove", "user"),
  R("GET", "/pupils/:id/address", "user"),
  R("POST", "/pupils/:id/address", "user"),
  R("GET", "/pupils/:id/sen", "user"),
  R("POST", "/pupils/:id/sen", "user"),
  R("POST", "/pupils/new", "user"),
  R("POST", "/pupils/:id/leaving", "user"),
  R("POST", "/pupils/:id/details", "user"),
  R("GET", "/associated-schools", "user"),
  R("POST", "/associated-schools", "user"),
  R("GET", "/associated-schools/add", "user"),
  R("GET", "/associated-schools/:laestab", "user"),
  R("POST", "/associated-schools/:laestab", "user"),
  R("POST", "/associated-schools/:laestab/remove", "user"),
  R("GET", "/exports", "user"),
  R("POST", "/exports", "user"),
  R("POST", "/exports/search", "user"),
  R("POST", "/exports/:id/send", "user"),
  R("GET", "/overdue", "user"),
  R("GET", "/leavers-report", "user"),
  R("GET", "/pupils/:id/edit", "user"),
  R("POST", "/pupils/leaving", "user"),
  R("GET", "/imports", "user"),
  R("POST", "/imports", "user"),
  R("POST", "/imports/upload", "user"),
  R("GET", "/imports/:id", "user"),
  R("GET", "/imports/:id/preview", "user"),
  R("POST", "/imports/:id/commit", "user"),
  R("POST", "/imports/:id/undo", "user"),
  R("GET", "/account", "user"),
  R("POST", "/account/tokens", "user"),
  R("POST", "/account/tokens/:id/revoke", "user"),
  R("POST", "/account/password", "user"),
  R("GET", "/account/new-password", "user"),
  R("POST", "/account/new-password", "user"),
  R("GET", "/account/second-factor", "user"),
  R("POST", "/account/second-factor", "user"),
  R("POST", "/account/recovery-codes", "user"),
  R("GET", "/settings", "manager"),
  R("GET", "/calendar", "manager"),
  R("POST", "/calendar/closures", "manager"),
  R("POST", "/calendar/closures/:id/remove", "manager"),
  R("POST", "/settings", "manager"),
  R("POST", "/settings/exchange-folder", "manager"),
  R("GET", "/users", "manager"),
  R("POST", "/users", "manager"),
  R("GET", "/users/new", "manager"),
  R("POST", "/users/:id/disable", "manager"),
  R("POST", "/users/:id/enable", "manager"),
  R("POST", "/users/:id/password-link", "manager"),
  R("GET", "/users/:id/token-life", "manager"),
  R("POST", "/users/:id/token-life", "manager"),
  R("POST", "/settings/second-factor", "manager"),
  R("POST", "/api/v1/session", "open"),
  R("DELETE", "/api/v1/session", "open"),
  R("GET", "/api/v1/me", "user"),
  R("POST", "/api/v1/me/password", "user"),
  R("GET", "/api/v1/pupils", "user"),
  R("POST", "/api/v1/pupils", "user"),
  R("GET", "/api/v1/pupils/:id", "user"),
  R("PATCH", "/api/v1/pupils/:id", "user"),
  R("POST", "/api/v1/pupils/:id/leaving", "user"),
  R("GET", "/api/v1/directory", "user"),
  R("GET", "/api/v1/associated-schools", "user"),
  R("POST", "/api/v1/associated-schools", "user"),
  R("PATCH", "/api/v1/associated-schools/:laestab", "user"),
  R("DELETE", "/api/v1/associated-schools/:laestab", "user"),
  R("GET", "/api/v1/leaving-reasons", "user"),
  R("GET", "/api/v1/exports", "user"),
  R("POST", "/api/v1/exports", "user"),
  R("POST", "/api/v1/exports/:id/send", "user"),
  R("GET", "/api/v1/exports/:id/file", "user"),
  R("GET", "/api/v1/overdue", "user"),
  R("GET", "/api/v1/leavers-report", "user"),
  R("GET", "/api/v1/calendar", "user"),
  R("GET", "/api/v1/tokens", "user"),
  R("GET", "/api/v1/incoming", "user"),
  R("POST", "/api/v1/leaving", "user"),
  R("GET", "/api/v1/imports", "user"),
  R("POST", "/api/v1/imports", "user"),
  R("GET", "/api/v1/imports/:id", "user"),
  R("GET", "/api/v1/imports/:id/preview", "user"),
  R("POST", "/api/v1/imports/:id/commit", "user"),
  R("POST", "/api/v1/imports/:id/undo", "user"),
  R("POST", "/api/v1/tokens", "user"),
  R("DELETE", "/api/v1/tokens/:id", "user"),
  R("POST", "/api/v1/calendar/closures", "manager"),
  R("GET", "/api/v1/hub-connection", "manager"),
  R("GET", "/api/v1/settings", "manager"),
  R("PATCH", "/api/v1/settings", "manager"),
  R("GET", "/api/v1/users", "manager"),
  R("POST", "/api/v1/users", "manager"),
  R("POST", "/api/v1/users/:id/disable", "manager"),
  R("POST", "/api/v1/users/:id/enable", "manager"),
  R("POST", "/api/v1/users/:id/password-link", "manager"),
  R("POST", "/api/v1/users/:id/token-life", "manager"),
];

describe("who reaches the school side's routes", () => {
  let mis: RunningMis;
  let staffToken: string;
  const anonymous = () => new PageClient(mis.url);
  let staff: PageClient;
  const id = randomUUID();

  beforeAll(async () => {
    mis = await startStaffedSchool("mis-access");
    staffToken = await createMisToken(mis.ctx, null, "office");
    staff = new PageClient(mis.url);
    await staff.signIn("office", STAFF_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await mis?.stop();
  });

  const isApi = (path: string) => path.startsWith("/api/");

  async function call(client: PageClient, route: (typeof ROUTES)[number], bearer?: string) {
    const path = route.path.replace(":id", id).replace(":laestab", "9382001");
    if (isApi(path))
      return client.request(path, {
        method: route.method,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(route.method === "GET" ? {} : { "content-type": "application/json" }),
        },
        ...(route.method === "GET" ? {} : { body: "{}" }),
      });
    if (route.method === "GET") return client.request(path);
    return client.post(path, { _csrf: await client.token() });
  }

  it("lists every route the app has", () => {
    const app = routesOf(mis.app.printRoutes({ commonPrefix: false }))
      .filter(([path]) => !/^\/(api\/docs|healthz|readyz|\*)/.test(path))
      .flatMap(([path, methods]) => methods.map((m) => `${m} ${path}`));
    expect(new Set(app)).toEqual(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)));
  });

  it("sends a signed-out visitor to sign in, and answers the API with 401", async () => {
    for (const route of ROUTES.filter((r) => r.kind !== "open")) {
      const r = await call(anonymous(), route);
      const what = `${route.method} ${route.path}`;
      if (isApi(route.path)) expect(r.status, what).toBe(401);
      else if (route.method === "GET") {
        expect(r.status, what).toBe(303);
        expect(r.headers.get("location"), what).toMatch(/^\/sign-in\?next=/);
      } else expect([303, 401], what).toContain(r.status);
    }
  });

  it("refuses staff every manager's route, on the pages and in the API", async () => {
    for (const route of ROUTES.filter((r) => r.kind === "manager")) {
      const r = await call(staff, route, staffToken);
      expect(r.status, `${route.method} ${route.path}`).toBe(403);
    }
  });

  it("answers a load balancer's health checks, and documents only the API", async () => {
    const ready = await anonymous().request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, database: "ok" });
    expect((await anonymous().request("/healthz")).status).toBe(200);
    const doc = (await (await anonymous().request("/api/docs/json")).json()) as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths).every((p) => p.startsWith("/api/v1/"))).toBe(true);
    // Every operation lists the answers any call can get: signed out, refused, too many.
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        for (const shared of ["401", "403", "429"])
          expect(Object.keys(op.responses ?? {}), `${method} ${path}`).toContain(shared);
    expect(Object.keys(doc.paths)).toContain("/api/v1/session");
  });

  it("refuses a form posted without its token", async () => {
    for (const route of ROUTES.filter((r) => !isApi(r.path) && r.method === "POST")) {
      const path = route.path.replace(":id", id).replace(":laestab", "9382001");
      const r = await staff.post(path, { anything: "x" });
      expect(r.status, `POST ${route.path}`).toBe(403);
    }
  });
});

/**
 * A date with a date's shape may still be no date (30 February, 29 February 2027, 31 April):
 * an outside test crashed the LA's lost-pupil search and the school side's import commit with
 * them (500s, the database refusing the date). Every date a person types, in every date field of
 * both apps, on a page and in the API, is answered at its field in words.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { codeAt, newTotpSecret, stepAt } from "../../src/platform/accounts/totp.js";
import { createDemoRegister } from "../../src/school/demo.js";
import type { RunningMis } from "../../src/school/service.js";
import { createMisToken } from "../../src/school/tokens.js";
import { createMisUser } from "../../src/school/users.js";
import { DATABASES } from "../helpers/db.js";
import { json, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";
import { STAFF_PASSWORD, startStaffedSchool } from "../helpers/school-side.js";

const PASSWORD = "demo-password-only";
/** Day, month, year as a person types them; none is a date. */
const IMPOSSIBLE: [string, string, string][] = [
  ["30", "2", "2015"],
  ["31", "2", "2016"],
  ["29", "2", "2027"],
  ["31", "4", "2026"],
  ["0", "1", "2026"],
  ["32", "1", "2026"],
  ["1", "13", "2026"],
];
const iso = ([d, m, y]: [string, string, string]) =>
  `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`;
const boxes = (name: string, [d, m, y]: [string, string, string]) => ({
  [`${name}-day`]: d,
  [`${name}-month`]: m,
  [`${name}-year`]: y,
});

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`impossible dates at the hub on ${target.name}`, () => {
    let t: TestHub;

    beforeAll(async () => {
      t = await startTestHub(target.name);
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("answers the lost-pupil search's dates at their field, in the API and on the page", async () => {
      const la = await t.token("northshire-la");
      const page = new PageClient(t.url);
      await page.signIn("northshire-la", PASSWORD, () => t.code("northshire-la"));
      for (const date of IMPOSSIBLE)
        for (const field of ["dob", "dobFrom", "dobTo"]) {
          const r = await t.api(la, `/api/v1/lost-pupils?surname=Smith&${field}=${iso(date)}`);
          expect(r.status, `${field} ${iso(date)}`).toBe(400);
          expect((await json(r)).error).toMatchObject({
            field,
            message: expect.stringContaining("must be a real date"),
          });
          const form = await page.post("/lost-pupils", {
            _csrf: await page.token(),
            surname: "Smith",
            ...boxes(field, date),
          });
          expect(form.status, `page ${field} ${iso(date)}`).toBe(400);
          const html = await form.text();
          expect(html).toContain("must be a real date, for example 27 3 2015");
          expect(html).toContain(`href="#${field}-day"`);
        }
    });

    it("says so on the audit log's filter, instead of ignoring it", async () => {
      const page = new PageClient(t.url);
      await page.signIn("admin", PASSWORD, () => t.code("admin"));
      for (const date of IMPOSSIBLE) {
        const r = await page.post("/admin/audit", {
          _csrf: await page.token(),
          ...boxes("from", date),
        });
        expect(r.status).toBe(303);
        const shown = await page.request(r.headers.get("location") ?? "");
        expect(shown.status, iso(date)).toBe(200);
        const html = await shown.text();
        expect(html).toContain("The first day must be a real date");
        expect(html).toContain('href="#from-day"');
      }
    });
  });
}

describe("impossible dates at the school side", () => {
  let mis: RunningMis;
  let token: string;
  let managerToken: string;
  let page: PageClient;
  let managerPage: PageClient;
  let pupil: string;
  let importId: string;

  const api = (path: string, body: unknown, as = token) =>
    fetch(`${mis.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    mis = await startStaffedSchool("dates");
    await createDemoRegister(mis.ctx, 3, 5);
    token = await createMisToken(mis.ctx, null, "office");
    page = new PageClient(mis.url);
    await page.signIn("office", STAFF_PASSWORD);
    // The calendar is a manager's, who signs in with a second factor.
    const key = newTotpSecret();
    await createMisUser(mis.ctx, null, {
      username: "head",
      email: "head@example.org",
      role: "manager",
      password: STAFF_PASSWORD,
      totpSecret: key,
    });
    managerToken = await createMisToken(mis.ctx, null, "head");
    managerPage = new PageClient(mis.url);
    await managerPage.signIn("head", STAFF_PASSWORD, () => codeAt(key, stepAt(new Date())));
    const listed = await json(
      await fetch(`${mis.url}/api/v1/pupils`, { headers: { authorization: `Bearer ${token}` } }),
    );
    pupil = listed.pupils[0].id;
    const file = writeCtf(generateCtf({ from: "9382001", to: "8231234", pupils: 1, seed: 77 }));
    const form = new FormData();
    form.append("file", new Blob([file]), "9382001_CTF_8231234_001.XML");
    const made = await fetch(`${mis.url}/api/v1/imports`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(made.status, await made.clone().text()).toBe(201);
    importId = (await json(made)).id;
  }, 90_000);

  afterAll(async () => {
    await mis?.stop();
  });

  it("answers every date field of the API at its field", async () => {
    for (const date of IMPOSSIBLE) {
      const d = iso(date);
      const calls: [string, unknown, string][] = [
        [`/api/v1/imports/${importId}/commit`, { admissionDate: d }, "admissionDate"],
        [
          `/api/v1/imports/${importId}/commit`,
          {
            admissionDate: "2026-12-01",
            decisions: [{ position: 1, action: "new", admissionDate: d }],
          },
          "admissionDate",
        ],
        [
          `/api/v1/pupils/${pupil}/leaving`,
          { date: d, reason: "IM", destination: "MMMMMMM" },
          "date",
        ],
        ["/api/v1/pupils", { surname: "Tested", forename: "Dates", dob: d, sex: "F" }, "dob"],
      ];
      for (const [path, body, field] of calls) {
        const r = await api(path, body);
        expect(r.status, `${path} ${d}`).toBe(400);
        expect((await json(r)).error.field, `${path} ${d}`).toBe(field);
      }
      for (const [first, last, field] of [
        [d, "2026-12-24", "firstDay"],
        ["2026-12-20", d, "lastDay"],
      ] as const) {
        const r = await api(
          "/api/v1/calendar/closures",
          { firstDay: first, lastDay: last, kind: "holiday", label: "Tested" },
          managerToken,
        );
        expect(r.status, `closure ${field} ${d}`).toBe(400);
        expect((await json(r)).error.field).toBe(field);
      }
    }
  });

  it("says every problem of a closure at once", async () => {
    const r = await managerPage.post("/calendar/closures", {
      _csrf: await managerPage.token(),
      year: "2026",
      label: "Tested",
      ...boxes("firstDay", ["31", "2", "2026"]),
      ...boxes("lastDay", ["30", "2", "2026"]),
    });
    expect(r.status).toBe(400);
    const said = await r.text();
    expect(said).toContain("Enter the first day as a real date");
    expect(said).toContain("Enter the last day as a real date");
    expect(said).toContain("A closure is a holiday, half-term, inset or bank-holiday.");
    // The API says every one too, so a program can put them all right in one go.
    const both = await api(
      "/api/v1/calendar/closures",
      { firstDay: "2026-02-31", lastDay: "2026-02-30", kind: "holiday", label: "Tested" },
      managerToken,
    );
    expect(both.status).toBe(400);
    const { error } = await json(both);
    expect(error.field).toBe("firstDay");
    expect(error.errors.map((e: { field: string }) => e.field)).toEqual(["firstDay", "lastDay"]);
    expect(error.errors[1].message).toContain("last day");
  });

  it("answers every date field of the pages at its boxes, in words", async () => {
    for (const date of IMPOSSIBLE) {
      const posts: [string, Record<string, string>][] = [
        [`/imports/${importId}/commit`, { "decision-1": "new", ...boxes("admissionDate", date) }],
        [
          `/pupils/${pupil}/leaving`,
          { reason: "IM", destination: "MMMMMMM", ...boxes("date", date) },
        ],
        [
          `/pupils/${pupil}/details`,
          { surname: "Tested", forename: "Dates", sex: "F", ...boxes("dob", date) },
        ],
        ["/pupils/new", { surname: "Tested", forename: "Dates", sex: "F", ...boxes("dob", date) }],
        [
          "/pupils/new",
          {
            surname: "Tested",
            forename: "Dates",
            sex: "F",
            ...boxes("dob", ["3", "3", "2016"]),
            ...boxes("admissionDate", date),
          },
        ],
      ];
      for (const [path, fields] of posts) {
        const r = await page.post(path, { _csrf: await page.token(), ...fields });
        expect(r.status, `${path} ${iso(date)}`).toBe(400);
        expect(await r.text(), `${path} ${iso(date)}`).toMatch(/real date|is a date/);
      }
      for (const name of ["firstDay", "lastDay"]) {
        const r = await managerPage.post("/calendar/closures", {
          _csrf: await managerPage.token(),
          year: "2026",
          kind: "holiday",
          label: "Tested",
          ...boxes("firstDay", ["20", "12", "2026"]),
          ...boxes(name, date),
        });
        expect(r.status, `calendar ${name} ${iso(date)}`).toBe(400);
        expect(await r.text()).toContain("as a real date");
      }
    }
  });
});

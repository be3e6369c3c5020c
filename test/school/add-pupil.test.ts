/**
 * Adding a pupil by hand on a page, with the API's checks: what is missing or impossible is
 * answered at its field, and a UPN already on roll is refused by page and API alike, naming the
 * pupil who holds it (a UPN is on roll once).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMis } from "../../src/school/service.js";
import { createMisToken } from "../../src/school/tokens.js";
import { PageClient, pageText } from "../helpers/pages.js";
import { STAFF_PASSWORD, startStaffedSchool } from "../helpers/school-side.js";

const UPN = "H801200001001";

describe("adding a pupil by hand", () => {
  let mis: RunningMis;
  let office: PageClient;

  beforeAll(async () => {
    mis = await startStaffedSchool("add-pupil");
    office = new PageClient(mis.url);
    await office.signIn("office", STAFF_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await mis?.stop();
  });

  const add = async (fields: Record<string, string>) =>
    office.post("/pupils/new", { _csrf: await office.token(), ...fields });
  const amara = {
    surname: "Okafor",
    forename: "Amara",
    sex: "F",
    "dob-day": "14",
    "dob-month": "5",
    "dob-year": "2016",
    ncYear: "5",
    upn: UPN,
    "admissionDate-day": "7",
    "admissionDate-month": "12",
    "admissionDate-year": "2026",
    medicalFlag: "true",
  };

  it("is reached from the pupils list, and answers what is missing at its field", async () => {
    expect(await (await office.request("/pupils")).text()).toContain('href="/pupils/new"');
    expect((await office.request("/pupils/new")).status).toBe(200);
    const r = await add({ ...amara, surname: "" });
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain("govuk-error-summary");
    expect(html).toContain('href="#surname"');
    expect(pageText(html)).toContain("The surname is needed.");
    // What was typed stays, so nothing is keyed twice.
    expect(html).toMatch(/name="forename"[^>]*value="Amara"/);
  });

  it("shows every error of the form at once, each beside its field", async () => {
    const r = await add({
      surname: "",
      forename: "",
      "dob-day": "31",
      "dob-month": "2",
      "dob-year": "2016",
    });
    expect(r.status).toBe(400);
    const html = await r.text();
    const summary = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0] ?? "";
    for (const field of ["surname", "forename", "dob", "sex"])
      expect(summary, field).toContain(`href="#${field}`);
    expect(html).toContain("The forename is needed.");
    expect(html).toContain("Sex is M or F");
  });

  it("adds the pupil on roll, audited, and shows their record", async () => {
    const r = await add(amara);
    expect(r.status).toBe(303);
    const to = r.headers.get("location") ?? "";
    expect(to).toMatch(/^\/pupils\/[0-9a-f-]{36}\?done=added$/);
    const page = pageText(await (await office.request(to)).text());
    expect(page).toContain("Pupil added.");
    expect(page).toContain("Okafor");
    const row = await mis.ctx.db
      .selectFrom("pupils")
      .select(["status", "upn", "nc_year", "admission_date", "record"])
      .where("surname", "=", "Okafor")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "onroll", upn: UPN, nc_year: "5" });
    // The medical flag goes where a CTF carries it, to be sent on when the pupil leaves.
    expect(row.record.basicDetails?.medicalFlag).toBe("true");
    expect(String(row.admission_date)).toContain("2026-12-07");
    const audit = await mis.ctx.db
      .selectFrom("audit_events")
      .select("username")
      .where("action", "=", "pupil.create")
      .execute();
    expect(audit.map((a) => a.username)).toEqual(["office"]);
    // The leaving form likewise: no date, no reason, a destination not associated.
    const leaving = await office.post(`${to.split("?")[0]}/leaving`, {
      _csrf: await office.token(),
      destination: "1234567",
    });
    expect(leaving.status).toBe(400);
    const said = pageText(await leaving.text());
    expect(said).toContain("Enter the leaving date as a real date, for example 27 3 2027");
    expect(said).toContain("Choose a leaving reason");
    expect(said).toContain("1234567 is not one of this school's associated schools");
  });

  it("refuses a UPN already on roll, on the page and in the API, naming who holds it", async () => {
    const again = await add({ ...amara, surname: "Okafor-Twice" });
    expect(again.status).toBe(400);
    expect(pageText(await again.text())).toContain(
      `UPN ${UPN} is already on roll as Okafor, Amara`,
    );
    const token = await createMisToken(mis.ctx, null, "office");
    const api = await fetch(`${mis.url}/api/v1/pupils`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        surname: "Other",
        forename: "Pupil",
        dob: "2016-01-01",
        sex: "M",
        upn: UPN,
      }),
    });
    expect(api.status).toBe(409);
    expect(((await api.json()) as { error: unknown }).error).toMatchObject({ field: "upn" });
    // Nor can another pupil be edited to take it.
    const other = await fetch(`${mis.url}/api/v1/pupils`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ surname: "Other", forename: "Pupil", dob: "2016-01-01", sex: "M" }),
    });
    const { id } = (await other.json()) as { id: string };
    const edit = await office.post(`/pupils/${id}/details`, {
      _csrf: await office.token(),
      surname: "Other",
      forename: "Pupil",
      sex: "M",
      "dob-day": "1",
      "dob-month": "1",
      "dob-year": "2016",
      upn: UPN,
    });
    expect(edit.status).toBe(400);
    expect(pageText(await edit.text())).toContain("a UPN belongs to one pupil");
    const holders = await mis.ctx.db
      .selectFrom("pupils")
      .select("id")
      .where("upn", "=", UPN)
      .execute();
    expect(holders).toHaveLength(1);
  });
});

/**
 * A pupil's address and special educational needs kept by hand on pages after an import: every
 * problem of a form answered at once at its field, the record written as the CTF keeps it (a
 * new provision ends the old one the day before), and each change audited by its area only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pupil } from "../../src/ctf/model.js";
import type { RunningMis } from "../../src/school/service.js";
import { PageClient, pageText } from "../helpers/pages.js";
import { addPupilOnPage, STAFF_PASSWORD, startStaffedSchool } from "../helpers/school-side.js";

describe("editing a pupil's address and special educational needs", () => {
  let mis: RunningMis;
  let office: PageClient;
  let id = "";

  const record = async (): Promise<Pupil> =>
    (
      await mis.ctx.db
        .selectFrom("pupils")
        .select("record")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).record;
  const setRecord = (changes: Partial<Pupil>) =>
    record().then((r) =>
      mis.ctx.db
        .updateTable("pupils")
        .set({ record: JSON.stringify({ ...r, ...changes }) })
        .where("id", "=", id)
        .execute(),
    );
  const post = async (path: string, fields: Record<string, string>) =>
    office.post(path, { _csrf: await office.token(), ...fields });
  const lastEdit = async () =>
    (
      await mis.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "pupil.edit")
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow()
    ).detail;

  beforeAll(async () => {
    mis = await startStaffedSchool("address-sen");
    office = new PageClient(mis.url);
    await office.signIn("office", STAFF_PASSWORD);
    id = await addPupilOnPage(office);
  }, 60_000);

  afterAll(async () => {
    await mis?.stop();
  });

  it("answers every problem of an address at once, and saves it as the Royal Mail writes it", async () => {
    const pupilPage = await (await office.request(`/pupils/${id}`)).text();
    expect(pupilPage).toContain(`href="/pupils/${id}/address"`);
    const wrong = await post(`/pupils/${id}/address`, { town: "Newcastle", postcode: "NE1" });
    expect(wrong.status).toBe(400);
    const html = await wrong.text();
    const said = pageText(html);
    expect(said).toContain("Give the house number or name.");
    expect(said).toContain("Give the street.");
    expect(said).toContain("Give the postcode as the Royal Mail writes it");
    // What was typed stays in the form.
    expect(html).toMatch(/name="town"[^>]*value="Newcastle"/);
    expect((await record()).address).toBeUndefined();

    // An imported address with a property reference: a move drops it with the old house.
    await setRecord({
      address: {
        bs7666: { paon: "3", street: "Old Road", town: "Gateshead", uprn: "100000123" },
        postCode: "NE8 1AA",
        easting: "425000",
      },
    });
    const form = await (await office.request(`/pupils/${id}/address`)).text();
    expect(form).toMatch(/name="street"[^>]*value="Old Road"/);
    const saved = await post(`/pupils/${id}/address`, {
      flat: "Flat 2",
      house: "14",
      street: "Grey Street",
      town: "Newcastle upon Tyne",
      postcode: "ne1  6ee",
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`/pupils/${id}?done=address#address`);
    expect((await record()).address).toEqual({
      bs7666: { saon: "Flat 2", paon: "14", street: "Grey Street", town: "Newcastle upon Tyne" },
      postCode: "NE1 6EE",
    });
    const shown = pageText(await (await office.request(`/pupils/${id}?done=address`)).text());
    expect(shown).toContain("Address saved.");
    expect(shown).toContain("Flat 2 14 Grey Street, Newcastle upon Tyne, NE1 6EE");
    expect(await lastEdit()).toEqual({ fields: ["address"] });
  });

  it("records a change of SEN provision from a date, ending the old one the day before", async () => {
    await setRecord({
      senHistory: {
        provisions: [{ provision: "K", startDate: "2024-09-04" }],
        needs: [{ rank: "1", type: "SLCN", startDate: "2024-09-04" }],
      },
    });
    const form = pageText(await (await office.request(`/pupils/${id}/sen`)).text());
    expect(form).toContain("Their provision now: SEN support (K), since 4 September 2024");
    const wrong = await post(`/pupils/${id}/sen`, {
      provision: "E",
      "startDate-day": "30",
      "startDate-month": "2",
      "startDate-year": "2026",
      primaryNeed: "SLCN",
      secondaryNeed: "SLCN",
    });
    expect(wrong.status).toBe(400);
    const said = pageText(await wrong.text());
    expect(said).toContain("The start date must be a real date");
    expect(said).toContain("The secondary need must differ from the primary.");
    const early = await post(`/pupils/${id}/sen`, {
      provision: "E",
      "startDate-day": "1",
      "startDate-month": "9",
      "startDate-year": "2024",
    });
    expect(pageText(await early.text())).toContain(
      "must start after the current one began (4 September 2024)",
    );

    const saved = await post(`/pupils/${id}/sen`, {
      provision: "E",
      "startDate-day": "2",
      "startDate-month": "3",
      "startDate-year": "2026",
      primaryNeed: "SLCN",
      secondaryNeed: "ASD",
    });
    expect(saved.status).toBe(303);
    expect((await record()).senHistory).toEqual({
      provisions: [
        { provision: "K", startDate: "2024-09-04", endDate: "2026-03-01" },
        { provision: "E", startDate: "2026-03-02" },
      ],
      needs: [
        { rank: "1", type: "SLCN", startDate: "2024-09-04" },
        { rank: "2", type: "ASD" },
      ],
    });
    const shown = pageText(await (await office.request(`/pupils/${id}?done=sen`)).text());
    expect(shown).toContain("Special educational needs saved.");
    expect(shown).toContain("Education, health and care plan");
    expect(await lastEdit()).toEqual({ fields: ["senHistory"] });

    // The same provision again changes only the needs, and asks for no date.
    const needsOnly = await post(`/pupils/${id}/sen`, { provision: "E", primaryNeed: "ASD" });
    expect(needsOnly.status).toBe(303);
    const after = (await record()).senHistory;
    expect(after?.provisions).toHaveLength(2);
    expect(after?.needs).toEqual([{ rank: "1", type: "ASD" }]);
    // No special educational need has no need.
    const none = await post(`/pupils/${id}/sen`, {
      provision: "N",
      "startDate-day": "1",
      "startDate-month": "4",
      "startDate-year": "2026",
      primaryNeed: "ASD",
    });
    expect(pageText(await none.text())).toContain("has no need recorded");
  });
});

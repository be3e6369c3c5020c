/**
 * A pupil's page says what the record's codes mean, and what the record cannot vouch for: a
 * historic leaving reason in words, a UPN that fails its check as not valid, a partial record
 * as partial, in the register list and in the exports list too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import type { Pupil } from "../../src/ctf/model.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { addPupil } from "../../src/school/pupils.js";
import type { RunningMis } from "../../src/school/service.js";
import { PageClient, pageText } from "../helpers/pages.js";
import { STAFF_PASSWORD, startStaffedSchool } from "../helpers/school-side.js";

describe("a pupil's record in words", () => {
  let mis: RunningMis;
  let staff: PageClient;
  let id: string;

  beforeAll(async () => {
    mis = await startStaffedSchool("record-words");
    const record: Pupil = {
      upn: "X",
      surname: "Hale",
      forename: "Ivy",
      dob: "2016-01-02",
      sex: "F",
      basicDetails: { ethnicity: "WNIR", ethnicitySource: "P" },
      contacts: [{ surname: "Hale", forename: "Jo", relationship: "HTC" }],
      schoolHistory: [
        {
          lea: "823",
          estab: "2001",
          entryDate: "2020-09-01",
          leavingDate: "2021-03-31",
          leavingReason: "ST",
        },
      ],
    };
    id = await addPupil(mis.ctx.db, record, { status: "onroll" }, new Date());
    await mis.ctx.db
      .updateTable("pupils")
      .set({ never_given: JSON.stringify(["contacts", "address"]) })
      .where("id", "=", id)
      .execute();
    staff = new PageClient(mis.url);
    await staff.signIn("office", STAFF_PASSWORD);
  }, 90_000);

  afterAll(async () => {
    await mis?.stop();
  });

  it("names codes by their meaning, a UPN that fails its check as not valid, and a partial record", async () => {
    const page = pageText(await (await staff.request(`/pupils/${id}`)).text());
    expect(page).toContain("School Transfer (Mid-Year) (ST)");
    expect(page).toContain("Head Teacher (HTC)");
    expect(page).toContain("White - Northern Irish (WNIR)");
    expect(page).toContain("Provided by the parent (P)");
    expect(page).toMatch(/X not valid It fails its check letter/);
    expect(page).toContain(
      "A partial record. This pupil came from a partial CTF, and no file has yet given their contacts and address.",
    );
    const list = pageText(await (await staff.request("/pupils?q=hale")).text());
    expect(list).toMatch(/X not valid/);
  });

  it("says where a pupil stands on the register in words, not the register's own code", async () => {
    const page = pageText(await (await staff.request(`/pupils/${id}`)).text());
    expect(page).toContain("On roll");
    expect(page).not.toMatch(/\bonroll\b/);
    // The NC years offered are named too, not codes alone.
    const edit = await (await staff.request(`/pupils/${id}/edit`)).text();
    expect(edit).toContain('<option value="R">Reception (R)</option>');
    expect(edit).toContain('<option value="6">Year 6</option>');
    expect(edit).toContain('<option value="N1">Nursery first year (N1)</option>');
    // A file holding a pupil already on roll: the import page names who it would merge into.
    const doc = generateCtf({ from: "9382001", to: "8231234", pupils: 1, seed: 64 });
    const [pupil] = doc.pupils;
    await addPupil(mis.ctx.db, pupil as Pupil, { status: "onroll" }, new Date());
    const form = new FormData();
    form.set("_csrf", await staff.token());
    form.set("upload", new Blob([writeCtf(doc)]), "9382001_CTF_8231234_001.XML");
    const started = await staff.request("/imports/upload", { method: "POST", body: form });
    expect(started.status).toBe(303);
    const imp = pageText(await (await staff.request(started.headers.get("location") ?? "")).text());
    expect(imp).toContain(`Merge into ${pupil?.surname}, ${pupil?.forename} (UPN ${pupil?.upn}, `);
    expect(imp).toMatch(/, on roll\) · certain/);
    expect(imp).not.toMatch(/\bonroll\b/);
  });
});

/**
 * A file of hundreds of pupils on the import page: a choice for each pupil made a page of tens
 * of megabytes that took half a minute to make at 6,000 pupils, and its form outgrew what the
 * page accepted (413), so only the pupils a person must choose for are asked about; the rest
 * are listed, each with a box to skip them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import type { RunningMis } from "../../src/school/service.js";
import { CHOOSE_EACH_UP_TO } from "../../src/school/web/pages/import-pages.js";
import { PageClient, pageText } from "../helpers/pages.js";
import { STAFF_PASSWORD, startStaffedSchool } from "../helpers/school-side.js";

describe("importing a file of hundreds of pupils on the page", () => {
  let mis: RunningMis;
  let office: PageClient;

  beforeAll(async () => {
    mis = await startStaffedSchool("large-import");
    office = new PageClient(mis.url);
    await office.signIn("office", STAFF_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await mis?.stop();
  });

  it("asks only about the pupils who need a choice, and skips the ones ticked", async () => {
    const pupils = CHOOSE_EACH_UP_TO + 50;
    const xml = writeCtf(generateCtf({ from: "9382001", to: "8231234", pupils, seed: 41 }));
    const form = new FormData();
    form.set("_csrf", await office.token());
    form.set("upload", new Blob([xml]), "9382001_CTF_8231234_001.XML");
    const started = await office.request("/imports/upload", { method: "POST", body: form });
    expect(started.status).toBe(303);
    const location = started.headers.get("location") ?? "";
    const html = await (await office.request(location)).text();
    const said = pageText(html);
    expect(said).toContain(`This file has ${pupils} pupils: too many to choose for one by one`);
    expect(said).toContain(
      `0 are in your register by UPN and will be merged; ${pupils} resemble no one`,
    );
    expect(html).not.toContain('name="decision-');
    expect(html).toContain('name="skip-3"');
    // What a browser sends: the ticked boxes, the admission date; nothing for each other pupil.
    const id = location.split("/").pop();
    const done = await office.post(`/imports/${id}/commit`, {
      _csrf: await office.token(),
      "skip-3": "yes",
      "admissionDate-day": "1",
      "admissionDate-month": "12",
      "admissionDate-year": "2026",
    });
    expect(done.status, pageText(await done.clone().text()).slice(0, 400)).toBe(303);
    const onRoll = await mis.ctx.db
      .selectFrom("pupils")
      .select(({ fn }) => fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(onRoll.n)).toBe(pupils - 1);
    const record = await mis.ctx.db.selectFrom("imports").select("id").execute();
    expect(record).toHaveLength(1);
  });

  it("accepts the form of a file of thousands of pupils", async () => {
    // 6,000 pupils' choices (about 100 bytes each as a browser sends the per-pupil boxes) were
    // refused as too large (413) by the page's 64 KB form limit.
    const fields: Record<string, string> = { _csrf: await office.token() };
    for (let i = 1; i <= 6000; i++) {
      fields[`decision-${i}`] = "new";
      for (const box of ["day", "month", "year"]) fields[`admissionDate-${i}-${box}`] = "";
      fields[`ncYear-${i}`] = "";
      fields[`regGroup-${i}`] = "";
    }
    const [imp] = await mis.ctx.db.selectFrom("imports").select("id").execute();
    const r = await office.post(`/imports/${imp?.id}/commit`, fields);
    // Read, then refused for what it says (this import is done), not for its size.
    expect(r.status).not.toBe(413);
    expect(pageText(await r.text())).not.toContain("too large");
  });
});

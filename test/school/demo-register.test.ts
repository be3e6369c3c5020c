/** A demo register looks like its school: a primary's pupils are in Reception to Year 6. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { createDemoRegister } from "../../src/school/demo.js";
import type { RunningMis } from "../../src/school/service.js";
import { startStaffedSchool } from "../helpers/school-side.js";

describe("a demo register", () => {
  let mis: RunningMis;

  beforeAll(async () => {
    mis = await startStaffedSchool("demo-years");
  }, 60_000);

  afterAll(async () => {
    await mis?.stop();
  });

  it("puts a primary school's pupils in Reception to Year 6", async () => {
    await createDemoRegister(mis.ctx, 60, 3);
    const years = await mis.ctx.db.selectFrom("pupils").select("nc_year").execute();
    const seen = new Set(years.map((y) => y.nc_year));
    for (const y of seen) expect(["R", "1", "2", "3", "4", "5", "6"]).toContain(y);
    expect(seen.has("R")).toBe(true);
  });

  it("writes Reception as R, with an age the checker agrees with", async () => {
    const xml = writeCtf(
      generateCtf({ from: "8231234", to: "9382001", pupils: 5, seed: 8, ncYears: [0] }),
    );
    const read = await readCtf(xml);
    expect(read.document?.pupils.map((p) => p.basicDetails?.ncYearActual)).toEqual(
      Array(5).fill("R"),
    );
    expect(read.findings.filter((f) => f.code === "pupil.nc-year.mismatch")).toEqual([]);
  });
});

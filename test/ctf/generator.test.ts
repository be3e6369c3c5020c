import { describe, expect, it } from "vitest";
import { expectedNcYear, parseDate } from "../../src/ctf/checker.js";
import { generateCtf, generateHeader } from "../../src/ctf/generator.js";
import { parseCtf } from "../../src/ctf/read.js";
import { checkUpn } from "../../src/ctf/upn.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { TODAY } from "../helpers/fixtures.js";

const options = { from: "8231234", to: "8235678", pupils: 300, seed: 42, now: TODAY };

describe("synthetic pupils", () => {
  it("are the same for the same seed and differ for another", () => {
    expect(writeCtf(generateCtf(options))).toBe(writeCtf(generateCtf(options)));
    expect(writeCtf(generateCtf({ ...options, seed: 43 }))).not.toBe(
      writeCtf(generateCtf(options)),
    );
  });

  it("pass our own checker with no errors and no warnings", async () => {
    const r = await parseCtf(writeCtf(generateCtf(options)), {
      now: TODAY,
      fileName: "8231234_CTF_8235678_001.XML",
    });
    expect(r.findings).toEqual([]);
    expect(r.pupilCount).toBe(300);
  });

  it("have unique valid UPNs, DOBs that fit their NC year, and every area of a record", () => {
    const doc = generateCtf(options);
    const upns = new Set(doc.pupils.map((p) => p.upn));
    expect(upns.size).toBe(300);
    const has = { fsm: 0, sen: 0, contacts: 0, ks2: 0, history: 0, address: 0, attendance: 0 };
    for (const p of doc.pupils) {
      expect(checkUpn(p.upn ?? "").valid).toBe(true);
      const dob = parseDate(p.dob ?? "");
      if (!dob) throw new Error(`bad DOB ${p.dob}`);
      expect(String(expectedNcYear(dob, 2026))).toBe(p.basicDetails?.ncYearActual);
      if (p.fsmHistory) has.fsm++;
      if (p.senHistory) has.sen++;
      if ((p.contacts ?? []).length > 0) has.contacts++;
      if (p.stageAssessments?.some((k) => k.stage === "KS2")) has.ks2++;
      if ((p.schoolHistory ?? []).length > 1) has.history++;
      if (p.address?.postCode) has.address++;
      if (p.attendance?.[0]?.sessionsPossible) has.attendance++;
      for (const c of p.contacts ?? []) {
        expect(c.email).toMatch(/@example\.org$/);
        expect(c.phones?.[0]?.number).toMatch(/^07700 900\d{3}$/);
      }
    }
    for (const [area, count] of Object.entries(has)) expect(count, area).toBeGreaterThan(10);
  });

  it("keep UPNs unique past a thousand pupils", () => {
    const doc = generateCtf({ ...options, pupils: 2500 });
    expect(new Set(doc.pupils.map((p) => p.upn)).size).toBe(2500);
  });

  it("address special destinations as the header expects, and refuse impossible ones", () => {
    expect(generateHeader({ ...options, to: "XXXXXXXX", pupils: 1 }).destSchool).toEqual({
      lea: "XXX",
      estab: "XXXX",
    });
    expect(generateHeader({ ...options, to: "MMMMMMM" }).destSchool).toEqual({
      lea: "MMM",
      estab: "MMMM",
    });
    expect(() => generateHeader({ ...options, to: "XXXXXXX", pupils: 2 })).toThrow(
      /exactly one pupil/,
    );
    expect(() => generateHeader({ ...options, from: "82312" })).toThrow(/LAESTAB/);
    expect(() => generateHeader({ ...options, to: "nowhere" })).toThrow(/--to/);
  });
});

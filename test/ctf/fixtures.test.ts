import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCtfFile, readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { lineOf, simsFixtures, TODAY } from "../helpers/fixtures.js";
import { elementSequence } from "../helpers/leaves.js";

const files = simsFixtures();

describe("real CTFs made by SIMS (CTF 19)", () => {
  it("finds the fixtures", () => {
    expect(files.map((f) => basename(f))).toEqual([
      "y12.xml",
      "y7_2_students.xml",
      "y7_partial.xml",
      "y7_spaced_numbers.xml",
    ]);
  });

  it.each(files)("reads %s with no errors and every pupil", async (file) => {
    const xml = readFileSync(file, "utf8");
    const r = await readCtf(readFileSync(file), { now: TODAY });
    expect(r.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(r.document?.pupils.length).toBe((xml.match(/<Pupil>/g) ?? []).length);
    expect(r.header?.sourceSchool?.lea).toMatch(/^\d{3}$/);
    for (const p of r.document?.pupils ?? []) {
      expect(p.surname).toBeTruthy();
      expect(p.sex).toMatch(/^[MF]$/);
    }
  });

  it("reports each wrong check letter as a warning on the UPN's own line", async () => {
    const cases: [string, string, string][] = [
      ["y7_2_students.xml", "pupil.upn.invalid", "<UPN>U865346313703</UPN>"],
      ["y7_2_students.xml", "pupil.former-upn.invalid", "<FormerUPN>M86534630235G</FormerUPN>"],
      ["y7_partial.xml", "pupil.upn.invalid", "<UPN>J933207636549</UPN>"],
      ["y7_spaced_numbers.xml", "pupil.upn.invalid", "<UPN>C706200819999</UPN>"],
    ];
    for (const [name, code, element] of cases) {
      const file = files.find((f) => basename(f) === name) as string;
      const r = await parseCtfFile(file, { now: TODAY });
      const hit = r.findings.find((f) => f.code === code);
      expect(hit, `${name} ${code}`).toMatchObject({
        severity: "warning",
        line: lineOf(readFileSync(file, "utf8"), element),
        column: 1,
      });
      expect(hit?.message).toMatch(/check letter \(expected [A-Z]\)/);
    }
    // A valid UPN is not reported.
    const good = await parseCtfFile(files.find((f) => basename(f) === "y12.xml") as string, {
      now: TODAY,
    });
    expect(good.findings.some((f) => f.code === "pupil.upn.invalid")).toBe(false);
  });

  it("takes SIMS's XXXXXX for a previous school's unknown URN, as a header's", async () => {
    const file = files.find((f) => basename(f) === "y7_2_students.xml") as string;
    expect(readFileSync(file, "utf8")).toContain("<URN>XXXXXX</URN>");
    const r = await readCtf(readFileSync(file), { now: TODAY });
    expect(r.findings.filter((f) => f.code === "format.invalid")).toEqual([]);
  });

  it("keeps the padded house names SIMS writes byte for byte, as BS7666 data", async () => {
    const file = files.find((f) => basename(f) === "y7_2_students.xml") as string;
    const r = await readCtf(readFileSync(file), { now: TODAY });
    const bs = r.document?.pupils[0]?.address?.bs7666;
    expect(bs?.paon).toBe("          God's Illa");
    // The padding is the standard's, not a fault: nothing to report about it.
    expect(
      r.findings.filter((f) => f.code === "value.spaces" || f.code === "address.pattern"),
    ).toEqual([]);
  });

  it.each(files)("keeps every value of %s through read, write, read", async (file) => {
    const xml = readFileSync(file, "utf8");
    const first = await readCtf(xml, { now: TODAY });
    const doc = first.document;
    if (!doc) throw new Error("no document");
    const written = writeCtf(doc, { version: doc.header.version });
    const second = await readCtf(written, { now: TODAY });
    expect(second.document).toEqual(doc);
    // Judged against the file itself, not our model: every element, in the same order, under
    // the same name, with the same value.
    expect(elementSequence(written)).toEqual(elementSequence(xml));
    expect(written).toContain("<Gender>");
    // SuppInfo, the supplier's own block, comes back whole.
    expect(written).toMatch(
      /<SuppInfo>\s*<SuppID>SIMS<\/SuppID>\s*<BirthCertificate>(true|false)<\/BirthCertificate>/,
    );
  });
});

import { describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { readCtf } from "../../src/ctf/read.js";
import { NEWEST_VERSION, versionForYear } from "../../src/ctf/version.js";
import { CtfWriteError, writeCtf } from "../../src/ctf/writer.js";
import { documentOf, syntheticDocument } from "../helpers/ctf.js";
import { TODAY } from "../helpers/fixtures.js";
import { leafValues } from "../helpers/leaves.js";

describe("writing CTFs", () => {
  it("writes the document's own version by default (<Sex> at 26.0), and 19.0 with <Gender> when asked", () => {
    const doc = syntheticDocument(2);
    expect(doc.header.version).toBe("26.0");
    const current = writeCtf(doc);
    expect(current).toContain("<CTFversion>26.0</CTFversion>");
    expect(current).toMatch(/<DOB>[^<]+<\/DOB>\s*<Sex>[MF]<\/Sex>/);
    const older = writeCtf(doc, { version: "19.0" });
    expect(older).toContain("<CTFversion>19.0</CTFversion>");
    expect(older).toMatch(/<DOB>[^<]+<\/DOB>\s*<Gender>[MF]<\/Gender>/);
    expect(older).not.toMatch(/<Sex>/);
    expect(() => writeCtf(doc, { version: "9.0" })).toThrow(/cannot write CTF version/);
  });

  it("knows the version of each academic year: 26.0 for 2026/27, the newest it knows after that", () => {
    expect(versionForYear(2020)).toBe("20.0");
    expect(versionForYear(2025)).toBe("25.0");
    expect(versionForYear(2026)).toBe("26.0");
    expect(versionForYear(2030)).toBe(`${NEWEST_VERSION}.0`);
    // Generated files say the version of the year they say they were made in.
    const doc = generateCtf({ from: "8231234", to: "8235678", pupils: 1, academicYear: 2026 });
    expect(doc.header).toMatchObject({ version: "26.0", sourceSchool: { academicYear: "2026" } });
  });

  it("is deterministic and UTF-8 with a declaration", () => {
    const a = writeCtf(syntheticDocument(5));
    const b = writeCtf(syntheticDocument(5));
    expect(a).toBe(b);
    expect(a.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>\n  <Header>')).toBe(true);
  });

  it("escapes what XML needs escaped and reads it back unchanged", async () => {
    const doc = syntheticDocument(1);
    const pupil = doc.pupils[0];
    if (!pupil) throw new Error("no pupil");
    pupil.surname = `O'Brien & <Sons> "Ltd"`;
    pupil.forename = "Zoë-Siân 李";
    pupil.extra = [{ name: "Note", attributes: { by: 'a"b&c' }, text: "1 < 2" }];
    const xml = writeCtf(doc);
    expect(xml).toContain("O'Brien &amp; &lt;Sons&gt; &quot;Ltd&quot;");
    const back = documentOf(await readCtf(xml, { now: TODAY }));
    expect(back.pupils[0]?.surname).toBe(pupil.surname);
    expect(back.pupils[0]?.forename).toBe("Zoë-Siân 李");
    expect(back.pupils[0]?.extra).toEqual(pupil.extra);
  });

  it("refuses a control character XML cannot carry, naming the element", () => {
    const doc = syntheticDocument(2);
    const second = doc.pupils[1];
    if (!second) throw new Error("no pupil");
    second.forename = "Ann\u0007";
    expect(() => writeCtf(doc)).toThrow(CtfWriteError);
    expect(() => writeCtf(doc)).toThrow("CTfile/CTFpupilData/Pupil[2]/Pupil/Forename");
  });

  it("round-trips a generated file with every area filled in", async () => {
    const doc = syntheticDocument(60, 11);
    const xml = writeCtf(doc);
    const first = await readCtf(xml, { now: TODAY });
    expect(first.findings).toEqual([]);
    expect(documentOf(first)).toEqual(doc);
    const again = writeCtf(documentOf(first));
    expect(again).toBe(xml);
    expect(leafValues(again)).toEqual(leafValues(xml));
  });
});

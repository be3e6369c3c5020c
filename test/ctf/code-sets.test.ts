/**
 * The code sets in src/ctf/code-sets.ts against the sources they were written from
 * (../shared/codesets/, SOURCES.md there says where each came from): every code of a source is
 * held with the same meaning (or held as historic or withdrawn where later changes say so), and
 * every code held comes from a source. Either side changing alone fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { CODE_SETS, type CodeSet, type CodeSetName, meaningOf } from "../../src/ctf/code-sets.js";
import { readCtf } from "../../src/ctf/read.js";
import { NC_YEARS } from "../../src/school/pupil-edits.js";
import { ctfXml, pupilXml } from "../helpers/ctf.js";
import { SHARED, SIMS_FIXTURES, TODAY } from "../helpers/fixtures.js";

const CODESETS = join(SHARED, "codesets");

type Row = Record<string, string>;
const csv = (file: string): Row[] =>
  parse(readFileSync(join(CODESETS, file)), { columns: true, skip_empty_lines: true });

/** A set of the CBDS workbook dump that has no CSV of its own. */
function workbookSet(id: string): Row[] {
  const all = JSON.parse(readFileSync(join(CODESETS, "cbds-aspen-2014-all.json"), "utf8")) as {
    codesets: { id: string; rows: string[][] }[];
  };
  const set = all.codesets.find((s) => s.id === id);
  if (!set) throw new Error(`${id} is not in the workbook dump`);
  return set.rows.map(([code, description]) => ({
    code: code ?? "",
    description: description ?? "",
  }));
}

/** Meanings agree when they say the same words: footnote marks, case and punctuation aside. */
const words = (s: string) =>
  s
    .toLowerCase()
    .replace(/[*+]/g, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

/** Each set's source rows (code, description, and for leaving reasons whether still current). */
const SOURCE_ROWS: Record<CodeSetName, () => Row[]> = {
  ethnicity: () => csv("ethnicity.csv"),
  ethnicitySource: () => workbookSet("D00006"),
  language: () => csv("language.csv"),
  languageType: () => csv("language-type.csv"),
  senProvision: () => csv("sen-provision.csv"),
  senType: () => csv("sen-type.csv"),
  relationship: () => csv("relationship.csv"),
  serviceChild: () => csv("service-child.csv"),
  enrolStatus: () => csv("enrol-status.csv"),
  // "1-14" stands for fourteen codes.
  ncYear: () =>
    csv("nc-year.csv").flatMap((r) =>
      r.code === "1-14"
        ? Array.from({ length: 14 }, (_, i) => ({ code: String(i + 1), description: "" }))
        : [r],
    ),
  telephoneType: () => csv("telephone-type.csv"),
  ukCountry: () => csv("uk-country.csv"),
  disability: () => csv("disability.csv"),
  leavingReason: () => csv("leaving-reason.csv"),
  stage: () => csv("assessment-stage.csv"),
  method: () => [],
  component: () => [],
  resultStatus: () => csv("assessment-result-status.csv"),
  resultQualifier: () => csv("assessment-result-qualifier.csv"),
  locale: () => [],
  partialType: () => csv("ctf-partial-type.csv"),
};

/** later-changes.csv names sets its own way. */
const LATER_NAMES: Record<string, CodeSetName | null> = {
  ethnicity: "ethnicity",
  "sen-provision": "senProvision",
  "sen-type": "senType",
  "nc-year": "ncYear",
  "leaving-reason": "leavingReason",
  "enrol-status": "enrolStatus",
  "assessment-result-qualifier": "resultQualifier",
  "assessment-method": "method",
  "assessment-locale": "locale",
  // Session marks are not checked (CTF-NOTES.md says why), so no attendance set is held.
  attendance: null,
};

/**
 * Codes held that no code list has, each with where it was seen, which the test confirms: a
 * real file, or DfE's own CTF writer as SOURCES.md records it.
 */
const SEEN: Partial<Record<CodeSetName, Record<string, () => boolean>>> = {
  stage: {
    EYF: () =>
      readFileSync(join(SIMS_FIXTURES, "y7_2_students.xml"), "utf8").includes("<Stage>EYF</Stage>"),
  },
  component: {
    MTC: () => readFileSync(join(CODESETS, "SOURCES.md"), "utf8").includes("Component MTC"),
  },
};

/** Later changes of low confidence, deliberately not held (CTF-NOTES.md says why). */
const NOT_HELD = new Set(["leavingReason:AT"]);

const laterChanges = csv("later-changes.csv");
const sets = Object.entries(CODE_SETS) as [CodeSetName, CodeSet][];

const held = (set: CodeSet, code: string) =>
  Object.hasOwn(set.codes, code) ||
  Object.hasOwn(set.historic ?? {}, code) ||
  Object.hasOwn(set.retired ?? {}, code);

describe("the code sets agree with ../shared/codesets", () => {
  it.each(sets)("%s holds every code of its source with the source's meaning", (name, set) => {
    const rows = SOURCE_ROWS[name]();
    const retiredSince = new Set(
      laterChanges
        .filter(
          (c) =>
            LATER_NAMES[c.codeset ?? ""] === name && /^(retired|replaced)/.test(c.change ?? ""),
        )
        .map((c) => c.code),
    );
    for (const r of rows) {
      const code = r.code as string;
      expect(held(set, code), `${name} ${code}`).toBe(true);
      if (r.description)
        expect(words(meaningOf(set.items[0] as string, code) ?? ""), `${name} ${code}`).toBe(
          words(r.description),
        );
      if (retiredSince.has(code))
        expect(Object.hasOwn(set.codes, code), `${name} ${code} is withdrawn`).toBe(false);
      // D00206 marks codes not for new records; only current ones are offered for new records.
      if (r.status_in_source !== undefined)
        expect(Object.hasOwn(set.codes, code), `${name} ${code}`).toBe(
          r.status_in_source === "current",
        );
    }
  });

  it.each(sets)("%s holds no code without a source", (name, set) => {
    const fromSource = new Set(SOURCE_ROWS[name]().map((r) => r.code));
    const later = new Set(
      laterChanges.filter((c) => LATER_NAMES[c.codeset ?? ""] === name).map((c) => c.code),
    );
    const seen = SEEN[name] ?? {};
    for (const code of [
      ...Object.keys(set.codes),
      ...Object.keys(set.historic ?? {}),
      ...Object.keys(set.retired ?? {}),
    ]) {
      if (fromSource.has(code) || later.has(code)) continue;
      if (name === "language" && Object.hasOwn(set.retired ?? {}, code)) continue; // next test
      const evidence = seen[code];
      expect(evidence, `${name} ${code} has no source`).toBeDefined();
      expect(evidence?.(), `${name} ${code} is where SEEN says`).toBe(true);
    }
    // A set that warns on every code it lacks needs a list to lack them from.
    if (set.complete) expect(fromSource.size + later.size, name).toBeGreaterThan(0);
  });

  it("holds every later change of the sets it keeps: added codes as codes, retired ones withdrawn", () => {
    for (const c of laterChanges) {
      const name = LATER_NAMES[c.codeset ?? ""];
      expect(name, `later-changes names ${c.codeset}`).not.toBeUndefined();
      if (!name) continue;
      const set: CodeSet = CODE_SETS[name];
      const code = c.code as string;
      if (NOT_HELD.has(`${name}:${code}`)) {
        expect(held(set, code), `${name} ${code} is deliberately not held`).toBe(false);
        continue;
      }
      if (/^(retired|replaced)/.test(c.change ?? "")) {
        expect(Object.hasOwn(set.retired ?? {}, code), `${name} ${code} is withdrawn`).toBe(true);
      } else {
        expect(Object.hasOwn(set.codes, code), `${name} ${code} is held`).toBe(true);
      }
    }
  });

  it("offers the school side's users every NC year of the set, and nothing else", () => {
    expect([...NC_YEARS].sort()).toEqual(Object.keys(CODE_SETS.ncYear.codes).sort());
  });

  it("warns about the language codes CBDS replaced, naming the code to write instead", async () => {
    const current = new Set(csv("language.csv").map((r) => r.code));
    const changed = csv("language-old-to-new.csv").filter(
      (r) => r.code_changed === "Yes" && !current.has(r.old_code as string),
    );
    expect(changed.length).toBeGreaterThan(10);
    for (const r of changed) {
      const retired = CODE_SETS.language.retired[r.old_code as string];
      expect(retired, r.old_code).toEqual({
        name: r.old_description,
        now: r.new_subcode || r.new_code,
      });
    }
    const read = await readCtf(
      ctfXml(
        pupilXml(
          "<BasicDetails><Languages><Type><LanguageType>F</LanguageType><Language>FRE</Language></Type></Languages></BasicDetails>",
        ),
      ),
      { now: TODAY },
    );
    expect(read.findings.map((f) => f.message)).toContain(
      'Language "FRE" is no longer used (French, withdrawn; write FRN instead)',
    );
  });
});

/**
 * Merging a file's pupil into a register pupil, apart from the database: what the merged record
 * is made of, and that neither side is changed by it (a preview's merge is held and compared
 * with the register later, so a side changed in place would make a later commit wrong).
 */
import { describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import type { Pupil } from "../../src/ctf/model.js";
import { mergePupil } from "../../src/school/merge.js";

const [one, other] = generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 5 }).pupils as [
  Pupil,
  Pupil,
];

describe("merging a file's pupil into a register pupil", () => {
  it("writes the merged record without the file's reading order, and changes neither side", () => {
    // The register's copy as the database gives it back; the file's as read from a file whose
    // elements came in an order of its own.
    const register: Pupil = JSON.parse(JSON.stringify({ ...one, contacts: other.contacts }));
    const file: Pupil = {
      ...structuredClone(one),
      readOrder: ["surname", "upn", "forename"],
      basicDetails: { ...one.basicDetails, preferredForename: "Sam", readOrder: ["sex"] },
      phones: [...(one.phones ?? []), { number: "07700 900123" }],
    };
    const [registerBefore, fileBefore] = [structuredClone(register), structuredClone(file)];
    const { record, rows } = mergePupil(register, file, new Set());
    expect(JSON.stringify(record)).not.toContain("readOrder");
    expect(register).toEqual(registerBefore);
    expect(file).toEqual(fileBefore);
    // Both families' contacts, the new phone, and the school's own values where both have one.
    expect(record.contacts).toHaveLength(
      (other.contacts?.length ?? 0) + (one.contacts?.length ?? 0),
    );
    expect(record.phones?.map((p) => p.number)).toContain("07700 900123");
    expect(record.basicDetails?.preferredForename).toBe(one.basicDetails?.preferredForename);
    expect(rows.find((r) => r.field === "preferredForename")?.result).toBe(
      one.basicDetails?.preferredForename ? "register" : "file",
    );
    // The same merge as from a file in the standard order.
    const { readOrder: _a, ...standard } = file;
    const { readOrder: _b, ...details } = file.basicDetails ?? {};
    expect(mergePupil(register, { ...standard, basicDetails: details }, new Set())).toEqual({
      record,
      rows,
    });
  });
});

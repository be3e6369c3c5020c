/** Counting school days as England's schools keep them, for the 15-school-day rule. */
import { describe, expect, it } from "vitest";
import { englandClosures, schoolDaysBetween } from "../../src/school/calendar.js";

describe("the school calendar", () => {
  const usual = [...englandClosures(2026), ...englandClosures(2025)];

  it("lays England's usual pattern on the year: half terms, Christmas, Easter around Easter Sunday", () => {
    const by = Object.fromEntries(
      englandClosures(2026).map((c) => [c.label, [c.firstDay, c.lastDay]]),
    );
    expect(by["Autumn half term"]).toEqual(["2026-10-26", "2026-10-30"]);
    expect(by["Christmas holiday"]).toEqual(["2026-12-21", "2027-01-01"]);
    // Easter Sunday 2027 is 28 March.
    expect(by["Easter holiday"]).toEqual(["2027-03-22", "2027-04-05"]);
    expect(by["Summer half term"]).toEqual(["2027-05-31", "2027-06-04"]);
    expect(by["Early May bank holiday"]).toEqual(["2027-05-03", "2027-05-03"]);
  });

  it("counts weekdays the school is open after the leaving day", () => {
    // Friday to the next Friday: five school days.
    expect(schoolDaysBetween("2026-11-06", "2026-11-13", usual)).toBe(5);
    // Across the October half term: 21-23 October, then 2 November to 1 December.
    expect(schoolDaysBetween("2026-10-20", "2026-12-01", usual)).toBe(25);
    // Across Christmas: 18 December (Friday) to 8 January: only 4 to 8 January.
    expect(schoolDaysBetween("2026-12-18", "2027-01-08", usual)).toBe(5);
    // An INSET day the school added is not a school day.
    const inset = [
      ...usual,
      { firstDay: "2026-11-09", lastDay: "2026-11-09", kind: "inset" as const, label: "INSET" },
    ];
    expect(schoolDaysBetween("2026-11-06", "2026-11-13", inset)).toBe(4);
  });
});

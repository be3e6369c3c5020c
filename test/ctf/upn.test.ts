import { describe, expect, it } from "vitest";
import { checkUpn, makeUpn, upnCheckLetter } from "../../src/ctf/upn.js";

describe("UPN check letter", () => {
  it.each([
    ["H801200001001", true, false],
    ["G80120000101A", true, true],
    ["B801200005001", true, false],
    ["Z801200001001", false, false],
    ["G335311012004", true, false],
    ["J933207636549", false, false],
  ])("%s valid=%s temporary=%s (CTF.md vectors)", (upn, valid, temporary) => {
    const c = checkUpn(upn);
    expect(c.valid).toBe(valid);
    expect(c.temporary).toBe(temporary);
  });

  it("names the letter a wrong UPN should have", () => {
    expect(checkUpn("Z801200001001")).toMatchObject({
      problem: "check-letter",
      expectedCheckLetter: "H",
    });
    expect(checkUpn("J933207636549")).toMatchObject({
      problem: "check-letter",
      expectedCheckLetter: "T",
    });
  });

  it("rejects wrong lengths and letters UPNs never use", () => {
    expect(checkUpn("H80120000100")).toMatchObject({ valid: false, problem: "length" });
    expect(checkUpn("I801200001001")).toMatchObject({ valid: false, problem: "characters" });
    expect(checkUpn("H8012000O1001")).toMatchObject({ valid: false, problem: "characters" });
    expect(checkUpn("H80120000100S")).toMatchObject({ valid: false, problem: "characters" });
  });

  it("makes UPNs that pass their own check", () => {
    for (let serial = 0; serial < 200; serial++) {
      const upn = makeUpn("8231234", 19, serial);
      expect(upn).toMatch(/^[A-Z]\d{12}$/);
      expect(checkUpn(upn).valid).toBe(true);
    }
    expect(upnCheckLetter("?801200001001")).toBe("H");
  });
});

import { describe, expect, it } from "vitest";
import { findingInWords } from "../../src/ctf/finding-words.js";
import { findingJson } from "../../src/ctf/findings.js";
import { parseCtf } from "../../src/ctf/read.js";
import { ctfXml, pupilXml } from "../helpers/ctf.js";
import { TODAY } from "../helpers/fixtures.js";

describe("findings in plain words", () => {
  it("names the pupil, says what is wrong, then where in the file", async () => {
    const xml = ctfXml(
      pupilXml(
        "<UPN>A123456789012</UPN><Surname>Smith</Surname><Forename>Jane</Forename><Sex>F</Sex>",
        false,
      ),
    );
    const r = await parseCtf(xml, { now: TODAY });
    const missing = r.findings.find((f) => f.code === "pupil.dob.missing");
    expect(missing).toBeDefined();
    const words = findingInWords(findingJson(missing as NonNullable<typeof missing>));
    expect(words).toMatch(
      /^Pupil 1, Smith Jane \(UPN A123456789012\): the date of birth is missing \(line \d+, column \d+; pupil\.dob\.missing\)$/,
    );
  });

  it("says a file-wide fault as a sentence, and falls back to the catalogue without the message", () => {
    expect(
      findingInWords({
        code: "file.empty",
        message: "the file is empty",
        line: null,
        column: null,
        pupil: null,
      }),
    ).toBe("The file is empty (file.empty)");
    // As one who may not read pupils' data sees it: no message, no pupil.
    expect(
      findingInWords({ code: "ctf.dest.invalid", message: "", line: 4, column: 2, pupil: null }),
    ).toBe(
      "The destination's LA or establishment number is malformed (line 4, column 2; ctf.dest.invalid)",
    );
  });
});

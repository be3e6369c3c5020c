import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FINDING_CODES } from "../../src/ctf/findings.js";
import { readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { syntheticXml } from "../helpers/ctf.js";
import { TODAY } from "../helpers/fixtures.js";

const seedFile = Buffer.from(syntheticXml(3, 5));
const FRAGMENTS = [
  "<",
  ">",
  "</",
  "<Pupil>",
  "</Pupil>",
  "<UPN>",
  "&amp;",
  "&x;",
  "<![CDATA[",
  "]]>",
  "<!--",
  "-->",
  "<?pi?>",
  "<!DOCTYPE a>",
  "\u0000",
  "\uFFFE",
  "é",
  "\r\n",
  "<Sex>Q</Sex>",
  "<a b='1'>",
  " ",
];

type Mutation =
  | { kind: "delete"; at: number; length: number }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "insert"; at: number; bytes: number[] }
  | { kind: "fragment"; at: number; fragment: string }
  | { kind: "truncate"; at: number }
  // Line mutations keep the XML well formed, so the model and writer get exercised too.
  | { kind: "line"; at: number; op: "drop" | "repeat" | "swap" | "blank" };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({
    kind: fc.constant("duplicate" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 400 }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant("fragment" as const),
    at: fc.nat(),
    fragment: fc.constantFrom(...FRAGMENTS),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  {
    arbitrary: fc.record({
      kind: fc.constant("line" as const),
      at: fc.nat(),
      op: fc.constantFrom("drop" as const, "repeat" as const, "swap" as const, "blank" as const),
    }),
    weight: 12,
  },
);

const LEAF = /^\s*<([A-Za-z]+)>[^<]*<\/\1>$/;

function mutateLine(bytes: Buffer, at: number, op: "drop" | "repeat" | "swap" | "blank"): Buffer {
  const lines = bytes.toString("utf8").split("\n");
  const leaves = lines.flatMap((l, i) => (LEAF.test(l) ? [i] : []));
  if (leaves.length < 2) return bytes;
  const i = leaves[at % leaves.length] as number;
  const j = leaves[(at + 1) % leaves.length] as number;
  const line = lines[i] as string;
  if (op === "drop") lines.splice(i, 1);
  else if (op === "repeat") lines.splice(i, 0, line);
  else if (op === "blank") lines[i] = line.replace(/>[^<]*</, "><");
  else [lines[i], lines[j]] = [lines[j] as string, line];
  return Buffer.from(lines.join("\n"));
}

function apply(bytes: Buffer, m: Mutation): Buffer {
  const at = m.at % (bytes.length + 1);
  switch (m.kind) {
    case "delete":
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    case "duplicate":
      return Buffer.concat([bytes.subarray(0, at + m.length), bytes.subarray(at)]);
    case "insert":
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
    case "fragment":
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.fragment), bytes.subarray(at)]);
    case "truncate":
      return bytes.subarray(0, at);
    case "line":
      return mutateLine(bytes, m.at, m.op);
  }
}

describe("mutated files (property test)", () => {
  it("never make the reader or checker throw, hang or report nonsense; what reads, writes back", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 5000 }),
        async (mutations, chunk) => {
          const bytes = mutations.reduce(apply, seedFile);
          const pieces: Buffer[] = [];
          for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
          const r = await readCtf(pieces, { now: TODAY, fileName: "8231234_CTF_8235678_001.XML" });
          expect(r.errorCount + r.warningCount).toBeGreaterThanOrEqual(r.findings.length);
          for (const f of r.findings) {
            expect(FINDING_CODES[f.code]?.[0]).toBe(f.severity);
            expect(f.message.length).toBeGreaterThan(0);
            if (f.line !== undefined) expect(f.line).toBeGreaterThanOrEqual(1);
            if (f.column !== undefined) expect(f.column).toBeGreaterThanOrEqual(1);
          }
          // After an error that stops reading, the document is only what came before it.
          const fatal = r.findings.some(
            (f) => f.severity === "error" && /^(xml|file)\.(?!name)|^ctf\.root$/.test(f.code),
          );
          if (r.document && !fatal) {
            const again = await readCtf(writeCtf(r.document, { version: "25.0" }), { now: TODAY });
            expect(again.document?.pupils).toEqual(r.document.pupils);
          }
        },
      ),
      { numRuns: 400, seed: 20261128 },
    );
  }, 120_000);

  it("places a warning about the XML declaration at its start (found by this test)", async () => {
    const r = await readCtf('<?xml version="1.0" encoding="latin1"?><CTfile/>', { now: TODAY });
    expect(r.findings[0]).toMatchObject({ code: "xml.encoding-declared", line: 1, column: 1 });
  });

  it("never throw on arbitrary bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        const r = await readCtf(bytes, { now: TODAY });
        expect(r.valid).toBe(false);
        expect(r.findings.length).toBeGreaterThan(0);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

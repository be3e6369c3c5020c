import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  alike,
  canonicalJson,
  diffOf,
  stateDigest,
  stateDigestWith,
} from "../../src/school/state-diff.js";

/** The same value with its objects' keys in reverse order, as jsonb might give them back. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.entries(v)
      .reverse()
      .map(([k, x]) => [k, reversed(x)]),
  );
}

describe("canonical JSON, on which an import's undo decides what changed", () => {
  it("is valid JSON of the same value, whatever order the keys were stored in", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalJson(reversed(v))).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("writes the text that digests already kept were made from, to the character", () => {
    // Integer keys first in numeric order, then the rest sorted; a "__proto__" key is a key.
    const stored = JSON.parse(
      '{"surname":"Ó Briain","10":"x","2":[{"z":1,"a":null}],"__proto__":{"b":2,"a":1},"a":[]}',
    );
    expect(
      canonicalJson({ ...stored, gone: undefined, when: new Date(0), list: [undefined] }),
    ).toBe(
      '{"2":[{"a":null,"z":1}],"10":"x","__proto__":{"a":1,"b":2},"a":[],"list":[null],' +
        '"surname":"Ó Briain","when":"1970-01-01T00:00:00.000Z"}',
    );
  });

  it("calls two values alike exactly when their canonical JSON is the same", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(alike(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(alike(a, reversed(a))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    // Near misses: one value changed deep inside, a field only one side has, undefined fields.
    const pupil = {
      surname: "Smith",
      phones: [{ number: "01234", type: "H" }],
      sen: { needs: [] },
    };
    expect(alike(pupil, { ...pupil, phones: [{ number: "01234", type: "M" }] })).toBe(false);
    expect(alike(pupil, { ...pupil, email: "x@example.org" })).toBe(false);
    expect(alike(pupil, { ...pupil, email: undefined })).toBe(true);
    expect(alike([undefined, 1], [null, 1])).toBe(true);
    expect(alike({ a: 1 }, [1])).toBe(false);
  });

  it("finds what a change did, leaf by leaf, as canonical text of each side", () => {
    const leaves = (v: unknown, path = "", out = new Map<string, string>()) => {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        for (const [k, x] of Object.entries(v)) if (x !== undefined) leaves(x, `${path}/${k}`, out);
      } else if (v !== undefined) out.set(path, canonicalJson(v));
      return out;
    };
    // As the diff was first written: every leaf of both sides out as text, then compared.
    const reference = (before: unknown, after: unknown) => {
      const b = leaves(before);
      const a = leaves(after);
      const diff: Record<string, [string | null, string | null]> = {};
      for (const path of new Set([...b.keys(), ...a.keys()]))
        if (b.get(path) !== a.get(path)) diff[path] = [b.get(path) ?? null, a.get(path) ?? null];
      return diff;
    };
    const state = fc.record({
      // Field names as a record has them (a path joins them with "/", so none holds one).
      record: fc.object({
        key: fc.constantFrom("surname", "forename", "phones", "basicDetails", "number", "type"),
        values: [fc.boolean(), fc.integer(), fc.string(), fc.constant(null)],
        withObjectString: false,
        maxDepth: 3,
      }),
      status: fc.constantFrom("onroll", "intake"),
      regGroup: fc.option(fc.string(), { nil: null }),
    });
    fc.assert(
      fc.property(state, state, (before, after) => {
        expect(diffOf(before as never, after as never)).toEqual(reference(before, after));
        expect(diffOf(before as never, reversed(before) as never)).toEqual({});
      }),
      { numRuns: 1000 },
    );
  });

  it("leaves out undefined fields, as a row written and read back has none", () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [undefined, 2] })).toBe('{"b":1,"c":[null,2]}');
  });

  it("gives a pupil's state one digest however its keys are ordered, and another once a value changes", () => {
    const state = {
      record: { surname: "Smith", forename: "Jane", basicDetails: { sex: "F", ethnicity: "WBRI" } },
      status: "onroll" as const,
      regGroup: "5A",
      admissionDate: "2026-09-01",
    };
    const digest = stateDigest(state as never);
    expect(stateDigest(reversed(state) as never)).toBe(digest);
    const edited = { ...state, record: { ...state.record, forename: "Janet" } };
    expect(stateDigest(edited as never)).not.toBe(digest);
    // Given the record's JSON already written, the digest is the same one.
    const states = fc.record({
      record: fc.object(),
      status: fc.constantFrom("onroll", "intake", "applicant", "left"),
      regGroup: fc.option(fc.string(), { nil: null }),
      admissionDate: fc.option(fc.string(), { nil: null }),
    });
    fc.assert(
      fc.property(states, (st) => {
        expect(stateDigestWith(st as never, canonicalJson(st.record))).toBe(
          stateDigest(st as never),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

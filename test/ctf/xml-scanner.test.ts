/**
 * The CTF reader's own XML scanner, held against saxes (a general XML parser, kept for this
 * comparison and the benchmark): on documents made and then broken at random, both must agree
 * on whether the XML is well formed, and where it is, on every element and every character of
 * text. Chunked input must read as whole input does.
 */
import fc from "fast-check";
import { SaxesParser } from "saxes";
import { describe, expect, it } from "vitest";
import { type ScanHandlers, XmlError, XmlScanner } from "../../src/ctf/xml-scanner.js";

type Event = string;

/** What saxes makes of a document: its events, or "error". */
function bySaxes(xml: string): Event[] | "error" {
  const out: Event[] = [];
  const p = new SaxesParser({ position: true });
  let text = "";
  let depth = 0;
  const flush = () => {
    if (text !== "") out.push(`text ${JSON.stringify(text)}`);
    text = "";
  };
  p.on("opentag", (t) => {
    flush();
    depth++;
    const attrs = Object.entries(t.attributes)
      .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
      .join("");
    out.push(`open ${t.name}${attrs}`);
  });
  p.on("closetag", () => {
    flush();
    depth--;
    out.push("close");
  });
  p.on("text", (t) => {
    if (depth > 0) text += t;
  });
  p.on("cdata", (t) => {
    text += t;
  });
  p.on("doctype", () => out.push("doctype"));
  try {
    p.write(xml).close();
  } catch {
    return "error";
  }
  flush();
  return out;
}

/** What the scanner makes of it, fed in pieces of `chunk` characters. */
function byScanner(xml: string, chunk = xml.length || 1): Event[] | "error" {
  const out: Event[] = [];
  let text = "";
  let depth = 0;
  const flush = () => {
    if (text !== "") out.push(`text ${JSON.stringify(text)}`);
    text = "";
  };
  const handlers: ScanHandlers = {
    open(name, attributes) {
      flush();
      depth++;
      const attrs = Object.entries(attributes ?? {})
        .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
        .join("");
      out.push(`open ${name}${attrs}`);
    },
    close() {
      flush();
      depth--;
      out.push("close");
    },
    text(s, start, end) {
      if (depth > 0) text += s.slice(start, end);
    },
    doctype() {
      out.push("doctype");
    },
    declaration() {},
  };
  const scanner = new XmlScanner(handlers);
  try {
    for (let i = 0; i < xml.length; i += chunk) scanner.write(xml.slice(i, i + chunk));
    scanner.end();
  } catch (e) {
    if (e instanceof XmlError) return "error";
    throw e;
  }
  flush();
  return out;
}

const SEED = `<?xml version="1.0" encoding="UTF-8"?>
<!-- made by a test -->
<CTfile xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Header><DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion></Header>
  <CTFpupilData>
    <Pupil><UPN>H801200001001</UPN><Surname>O'Brien &amp; Zoë 🎓</Surname><Forename>A&#233;&#x1F600;</Forename>
      <Address><BS7666Address><PAON>  11      </PAON></BS7666Address></Address>
      <SuppInfo><SuppID>SIMS</SuppID><X a="1" b='two &lt; three'/><![CDATA[ <not a tag> ]]></SuppInfo>
      <?pi some data?>
    </Pupil>
  </CTFpupilData>
</CTfile>
`;

const FRAGMENTS = [
  "<",
  ">",
  "</",
  "/>",
  "&",
  "&amp;",
  "&x;",
  "&#0;",
  "&#xD800;",
  "]]>",
  "<![CDATA[",
  "<!--",
  "--",
  "-->",
  "<?pi?>",
  "<?xml version='1.0'?>",
  "<!DOCTYPE a>",
  "\u0000",
  "\u0001",
  "\uFFFE",
  "\r\n",
  "\r",
  '"',
  "'",
  "=",
  " a='1'",
  " a='1' a='2'",
  "<a>",
  "</a>",
  "<1a>",
  "<a:b>",
  "é",
  "😀",
  "\t",
];

const edit = fc.record({
  at: fc.nat(),
  remove: fc.integer({ min: 0, max: 6 }),
  insert: fc.constantFrom(...FRAGMENTS),
});

describe("the CTF reader's XML scanner", () => {
  it("agrees with saxes on well-formedness, elements and text of documents broken at random (property test)", () => {
    fc.assert(
      fc.property(
        fc.array(edit, { maxLength: 3 }),
        fc.integer({ min: 1, max: 64 }),
        (edits, chunk) => {
          let xml = SEED;
          for (const e of edits) {
            // Never half a surrogate pair: saxes takes one for a character, which it is not (and
            // text decoded from UTF-8 never holds one).
            const whole = (i: number) => (/[\uDC00-\uDFFF]/.test(xml[i] ?? "") ? i - 1 : i);
            const at = whole(e.at % (xml.length + 1));
            const end = Math.max(at, whole(Math.min(at + e.remove, xml.length)));
            xml = xml.slice(0, at) + e.insert + xml.slice(end);
          }
          const expected = bySaxes(xml);
          expect(byScanner(xml)).toEqual(expected);
          expect(byScanner(xml, chunk)).toEqual(expected);
        },
      ),
      { numRuns: 3000, seed: 2026 },
    );
  });

  it("says where a fault is, counting a character beyond the BMP once and \\r\\n as one line end", () => {
    const fault = (xml: string) => {
      try {
        new XmlScanner({
          open() {},
          close() {},
          text() {},
          doctype() {},
          declaration() {},
        }).write(xml);
      } catch (e) {
        return e instanceof XmlError ? [e.line, e.column] : e;
      }
      return undefined;
    };
    expect(fault("<a>\r\n😀😀</b>")).toEqual([2, 3]);
    expect(fault("<a>\r\r<b x='1' x='2'/></a>")).toEqual([3, 10]);
    expect(fault("<a>\n  &nope;</a>")).toEqual([2, 3]);
    // Only the five entities XML defines, not what a JavaScript object inherits.
    for (const inherited of ["constructor", "toString", "__proto__"])
      expect(fault(`<a>x&${inherited};</a>`), inherited).toEqual([1, 5]);
    // Half a surrogate pair is no character (saxes lets one through; decoded UTF-8 never has one).
    expect(fault("<a b='x\uD800y'/>")).toEqual([1, 8]);
    expect(fault("<a>\uDC00</a>")).toEqual([1, 4]);
  });

  it("gives each start tag's line and column, and the same names as the same strings", () => {
    const seen: [string, number, number][] = [];
    const names: string[] = [];
    const scanner = new XmlScanner({
      open(name, _a, line, column) {
        seen.push([name, line, column]);
        names.push(name);
      },
      close() {},
      text() {},
      doctype() {},
      declaration() {},
    });
    for (const piece of ["<r>\n  <é a='1'>😀</é><b/>\r\n", "<b>x</b>\n</r>"]) scanner.write(piece);
    scanner.end();
    expect(seen).toEqual([
      ["r", 1, 1],
      ["é", 2, 3],
      ["b", 2, 17],
      ["b", 3, 1],
    ]);
    expect(names[2]).toBe(names[3]);
  });
});

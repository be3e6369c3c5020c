import { SaxesParser } from "saxes";

/**
 * Every leaf value of an XML file as "Path/To/Element=value", sorted. Built on saxes alone, not
 * on our reader, so a round trip can be checked against the file itself.
 */
export function leafValues(xml: string): string[] {
  const parser = new SaxesParser();
  const path: string[] = [];
  const hadChild: boolean[] = [];
  const texts: string[] = [];
  const out: string[] = [];
  parser.on("opentag", (t) => {
    if (hadChild.length > 0) hadChild[hadChild.length - 1] = true;
    path.push(t.name);
    hadChild.push(false);
    texts.push("");
  });
  parser.on("text", (t) => {
    if (texts.length > 0) texts[texts.length - 1] += t;
  });
  parser.on("closetag", () => {
    const text = (texts.pop() ?? "").trim();
    if (!hadChild.pop()) out.push(`${path.join("/")}=${text}`);
    path.pop();
  });
  parser.write(xml).close();
  return out.sort();
}

/** Elements whose spaces are data (CTF.md): compared exactly, every other value trimmed. */
const VERBATIM = new Set(["PAON", "SAON", "AttendanceMarks"]);

/**
 * Every element of a file in document order, as `path` for a container and `path=value` for a
 * leaf: two files with equal sequences have the same elements, names, order and values.
 */
export function elementSequence(xml: string): string[] {
  const parser = new SaxesParser();
  const path: string[] = [];
  const texts: string[] = [];
  const out: (string | undefined)[] = [];
  const slots: number[] = [];
  const hadChild: boolean[] = [];
  parser.on("opentag", (t) => {
    if (hadChild.length > 0) hadChild[hadChild.length - 1] = true;
    path.push(t.name);
    const attrs = Object.entries(t.attributes)
      .map(([k, v]) => ` ${k}="${v}"`)
      .join("");
    slots.push(out.length);
    out.push(`${path.join("/")}${attrs}`);
    hadChild.push(false);
    texts.push("");
  });
  parser.on("text", (t) => {
    if (texts.length > 0) texts[texts.length - 1] += t;
  });
  parser.on("closetag", (t) => {
    const raw = texts.pop() ?? "";
    const slot = slots.pop() as number;
    if (!hadChild.pop()) {
      const value = VERBATIM.has(t.name) ? raw : raw.trim();
      out[slot] = `${out[slot]}=${value}`;
    }
    path.pop();
  });
  parser.write(xml).close();
  return out as string[];
}

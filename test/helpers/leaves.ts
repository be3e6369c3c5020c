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

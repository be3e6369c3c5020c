/**
 * One measurement in a fresh process, so that neither side's JIT state colours the other's:
 * `tokenise FILE` runs bare saxes over the bytes; `read FILE` runs our reader and checker.
 * Prints {"seconds","bytes","pupils","maxRssMb"} as JSON.
 */
import { createReadStream, statSync } from "node:fs";
import { SaxesParser } from "saxes";
import { parseCtfFile } from "../../src/ctf/read.js";

const [mode, file] = process.argv.slice(2);
if (file === undefined || (mode !== "tokenise" && mode !== "read")) {
  throw new Error("usage: read-worker tokenise|read FILE");
}

// The baseline looks at each token (counts tags and text), as any consumer must; handlers
// that ignore their tokens let V8 skip work no real reader can skip.
async function tokenise(path: string): Promise<number> {
  const parser = new SaxesParser({ position: true });
  let elements = 0;
  let chars = 0;
  parser.on("opentag", (tag) => {
    elements += tag.name.length > 0 ? 1 : 0;
  });
  parser.on("closetag", () => {
    elements--;
  });
  parser.on("text", (t) => {
    chars += t.length;
  });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for await (const chunk of createReadStream(path, { highWaterMark: 65_536 })) {
    parser.write(decoder.decode(chunk as Buffer, { stream: true }));
  }
  parser.close();
  return elements + chars;
}

const start = performance.now();
let pupils = 0;
if (mode === "tokenise") await tokenise(file);
else {
  const r = await parseCtfFile(file);
  if (r.errorCount > 0)
    throw new Error(`benchmark file has errors: ${JSON.stringify(r.findings.slice(0, 3))}`);
  pupils = r.pupilCount;
}
const seconds = (performance.now() - start) / 1000;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  `${JSON.stringify({ seconds, bytes: statSync(file).size, pupils, maxRssMb })}\n`,
);

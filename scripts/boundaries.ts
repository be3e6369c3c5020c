/**
 * The import rules that keep the apps peers on one platform (ARCHITECTURE.md, "Layout"). Each
 * top folder of `src/` may import only the folders listed for it; `cli/` is the composition root
 * and may import any. `npm run check` runs this over the tree; test/boundaries.test.ts shows it
 * refusing a bad import.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";

export const ALLOWED: Record<string, readonly string[]> = {
  ctf: [],
  platform: ["ctf"],
  contract: ["platform"],
  client: ["contract", "platform"],
  hub: ["platform", "contract", "ctf"],
  school: ["platform", "contract", "client", "ctf"],
  agent: ["platform", "contract", "client", "ctf"],
};

/** An app's own web pages and API: its domain code never imports them (its service.ts may). */
const WEB_OF_APP = new Set(["hub", "school"]);

export interface Violation {
  file: string;
  line: number;
  imports: string;
  rule: string;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

/** `file` is a path under `src/` with forward slashes, such as `school/users.ts`. */
export function violationsIn(file: string, source: string): Violation[] {
  const from = file.split("/")[0] ?? "";
  const allowed = ALLOWED[from];
  if (!allowed || !file.includes("/")) return [];
  const found: Violation[] = [];
  for (const m of source.matchAll(SPECIFIER)) {
    const spec = m[1] ?? "";
    const target = posix.normalize(posix.join(posix.dirname(file), spec));
    const to = target.startsWith("../") ? "(outside src)" : (target.split("/")[0] ?? "");
    const line = source.slice(0, m.index).split("\n").length;
    if (to === from) {
      const web = `${from}/web/`;
      if (
        WEB_OF_APP.has(from) &&
        target.startsWith(web) &&
        !file.startsWith(web) &&
        file !== `${from}/service.ts`
      )
        found.push({
          file: `src/${file}`,
          line,
          imports: spec,
          rule: `${from}/'s domain code never imports ${web} (only ${from}/service.ts puts them together)`,
        });
      continue;
    }
    if (allowed.includes(to)) continue;
    const rule =
      allowed.length === 0
        ? `${from}/ imports nothing of the project`
        : `${from}/ may import only ${allowed.map((a) => `${a}/`).join(", ")}`;
    found.push({ file: `src/${file}`, line, imports: spec, rule });
  }
  return found;
}

export function violationsUnder(srcDir: string): Violation[] {
  const found: Violation[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) {
        const file = relative(srcDir, path).split("\\").join("/");
        found.push(...violationsIn(file, readFileSync(path, "utf8")));
      }
    }
  };
  walk(srcDir);
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = violationsUnder(join(import.meta.dirname, "..", "src"));
  for (const v of found) console.error(`${v.file}:${v.line}: imports ${v.imports}: ${v.rule}`);
  if (found.length > 0) {
    console.error(`${found.length} import(s) cross a boundary (see ARCHITECTURE.md, "Layout")`);
    process.exit(1);
  }
  console.log("import boundaries hold");
}

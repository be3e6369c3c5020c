// The service's stylesheet, compiled from its Sass (src/platform/web/styles) into the files the
// app serves. The output is not kept in git: `npm run build` (and so `npm ci` and `npm test`)
// makes it.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import * as sass from "sass";

const out = sass.compile("src/platform/web/styles/service.scss", {
  loadPaths: ["node_modules"],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
for (const to of ["src/platform/web/public/service.css", "dist/platform/web/public/service.css"]) {
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, out.css);
}

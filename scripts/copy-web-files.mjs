// The page templates and static files are not TypeScript: tsc leaves them behind, so the build
// copies them beside the compiled code that loads them.
import { cpSync, rmSync } from "node:fs";

for (const dir of [
  "platform/web/views",
  "platform/web/public",
  "hub/web/views",
  "school/web/views",
]) {
  rmSync(`dist/${dir}`, { recursive: true, force: true });
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}

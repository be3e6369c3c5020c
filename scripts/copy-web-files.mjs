// The page templates and static files are not TypeScript: tsc leaves them behind, so the build
// copies them beside the compiled code that loads them.
import { cpSync, rmSync } from "node:fs";

for (const dir of ["shell/views", "shell/public", "hub/views", "mis/views"]) {
  rmSync(`dist/web/${dir}`, { recursive: true, force: true });
  cpSync(`src/web/${dir}`, `dist/web/${dir}`, { recursive: true });
}

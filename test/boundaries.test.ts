/**
 * The import rules `npm run check` keeps: each app stands on the platform, and none reaches into
 * another. The tree holds them, and a bad import is refused with its file, line and rule.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { violationsIn, violationsUnder } from "../scripts/boundaries.js";

describe("import boundaries", () => {
  it("hold across the whole source tree", () => {
    expect(violationsUnder(join(import.meta.dirname, "..", "src"))).toEqual([]);
  });

  it("refuse the school side reaching into the hub, naming file, line and rule", () => {
    const source =
      'import { x } from "./pupils.js";\nimport { sha256 } from "../hub/credentials.js";\n';
    expect(violationsIn("school/sessions.ts", source)).toEqual([
      {
        file: "src/school/sessions.ts",
        line: 2,
        imports: "../hub/credentials.js",
        rule: "school/ may import only platform/, contract/, client/, ctf/",
      },
    ]);
  });

  it("refuse the platform importing an app, type-only and dynamic imports too", () => {
    const source = [
      'import type { HubContext } from "../../hub/context.js";',
      'const m = await import("../../school/users.js");',
    ].join("\n");
    expect(violationsIn("platform/jobs/queue.ts", source).map((v) => v.imports)).toEqual([
      "../../hub/context.js",
      "../../school/users.js",
    ]);
  });

  it("refuse the agent importing the hub, and the client importing the hub's web routes", () => {
    expect(violationsIn("agent/agent.ts", 'import { a } from "../hub/x.js";')).toHaveLength(1);
    expect(
      violationsIn("client/hub-client.ts", 'import type { Me } from "../hub/web/api/session.js";'),
    ).toHaveLength(1);
    expect(
      violationsIn("client/hub-client.ts", 'import type { Me } from "../contract/hub-api.js";'),
    ).toEqual([]);
  });

  it("keep the CTF library free of the rest of the project", () => {
    expect(
      violationsIn("ctf/reader.ts", 'import { x } from "../platform/errors.js";')[0]?.rule,
    ).toBe("ctf/ imports nothing of the project");
    expect(violationsIn("ctf/reader.ts", 'import { x } from "./model.js";')).toEqual([]);
  });

  it("keep an app's domain code from importing its web pages, which only its service joins", () => {
    const source = 'import { formOf } from "./web/pages/forms.js";';
    expect(violationsIn("hub/upload.ts", source)[0]?.rule).toMatch(/never imports hub\/web\//);
    expect(violationsIn("hub/service.ts", 'import { buildApp } from "./web/app.js";')).toEqual([]);
    expect(violationsIn("school/web/app.ts", 'import { x } from "../pupils.js";')).toEqual([]);
  });

  it("let the command line, which puts the apps together, import any of them", () => {
    expect(
      violationsIn(
        "cli/main.ts",
        'import { a } from "../hub/x.js";\nimport { b } from "../school/y.js";',
      ),
    ).toEqual([]);
  });
});

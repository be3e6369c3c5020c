/**
 * No personal data in logs (issue 24, fault 6): an error's message can quote what it failed on,
 * a date of birth or a name, and its stack begins with the message. What is logged of an error
 * is its name, its code and where it was thrown.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { loggableError } from "../../src/platform/errors.js";
import { createShell } from "../../src/platform/web/shell.js";

const QUOTED = "could not store DOB 2012-02-30 for Jane Smith of 1 High Street";

describe("what a log keeps of an error", () => {
  it("keeps the name, the code and the frames, never the message", () => {
    const err = Object.assign(new Error(QUOTED), { code: "22008" });
    const kept = loggableError(err);
    expect(kept).toMatchObject({ name: "Error", code: "22008" });
    expect(kept.at?.[0]).toMatch(/^at /);
    expect(JSON.stringify(kept)).not.toMatch(/2012-02-30|Jane|High Street/);
    // A message over several lines is no more kept than one.
    expect(JSON.stringify(loggableError(new TypeError(`${QUOTED}\n  at nowhere`)))).not.toMatch(
      /Jane/,
    );
  });

  it("is all a web app's log holds of an unexpected error, and the answer quotes nothing", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await createShell({
      logger: { level: "info", stream },
      trustProxy: undefined,
      formKey: Buffer.alloc(32, 1),
      secureCookies: false,
      serviceName: "S2S test",
      helpdesk: { phone: "0300 000 0000", email: "help@s2s.invalid", web: "https://s2s.invalid" },
      navigation: () => [],
      viewsDir: new URL("../../src/hub/web/views", import.meta.url).pathname,
    });
    app.get("/api/v1/boom", async () => {
      throw Object.assign(new Error(QUOTED), { code: "22008" });
    });
    const r = await app.inject({ method: "GET", url: "/api/v1/boom" });
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toMatch(/2012-02-30|Jane/);
    await app.close();
    const log = lines.join("");
    expect(log).toContain('"unexpected error"');
    expect(log).toContain("22008");
    expect(log).not.toMatch(/2012-02-30|Jane|High Street/);
  });
});

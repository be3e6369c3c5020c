/**
 * An operator watches the hub through Prometheus metrics on a port of their own: requests by
 * route and status, transfers by status, checks, jobs, mail, sign-in failures and lockouts,
 * and the process's own, with no personal data and no school's number in any label.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { DATABASES } from "../helpers/db.js";
import { sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`metrics on ${target.name}`, () => {
    let t: TestHub;

    beforeAll(async () => {
      t = await startTestHub(target.name, { metricsPort: 0 });
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    const signIn = (password: string) =>
      t.api(undefined, "/api/v1/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "meadowlane", password }),
      });

    it("serves what an operator watches, on loopback apart from the service, naming nobody", async () => {
      const url = t.hub.metricsUrl as string;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(new URL(url).port).not.toBe(new URL(t.url).port);
      // The public port has no metrics.
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);

      const brookfield = await t.token("brookfield");
      const sent = await sendAndCheck(
        t,
        brookfield,
        "8231234_CTF_9382001_001.XML",
        writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 5 })),
      );
      expect(sent.status).toBe("available");
      // Five wrong passwords: the fifth locks the name, and the right one is then refused too.
      for (let i = 0; i < 4; i++) expect((await signIn("not the password")).status).toBe(401);
      expect((await signIn("not the password")).status).toBe(423);
      expect((await signIn("demo-password-only")).status).toBe(423);

      const r = await fetch(url);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toContain("text/plain");
      const text = await r.text();
      expect(text).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/transfers\/:id",status="200"\} \d+/,
      );
      expect(text).toMatch(
        /http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/transfers",status="202"\} 1\b/,
      );
      expect(text).toMatch(/s2s_transfers\{status="available"\} 1\b/);
      expect(text).toMatch(/s2s_transfers\{status="downloaded"\} 0\b/);
      expect(text).toMatch(/s2s_check_duration_seconds_count\{outcome="available"\} 1\b/);
      expect(text).toMatch(/s2s_mail_messages\{state="waiting"\} \d+/);
      expect(text).toMatch(/s2s_mail_messages\{state="failing"\} 0\b/);
      expect(text).toContain("# TYPE s2s_jobs gauge");
      expect(text).toMatch(/s2s_sign_in_failures_total\{reason="password"\} 5\b/);
      expect(text).toMatch(/s2s_sign_in_failures_total\{reason="locked"\} 1\b/);
      expect(text).toMatch(/s2s_sign_in_lockouts_total 1\b/);
      expect(text).toMatch(/process_resident_memory_bytes \d+/);
      // Nothing that names a school, a user, a file or a pupil.
      for (const personal of ["8231234", "9382001", "meadowlane", sent.id, sent.fileName])
        expect(text).not.toContain(personal);
    });
  });
}

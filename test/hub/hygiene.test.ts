/**
 * Input the hub must refuse cleanly: ids that are not ids, the same file sent twice, a retried
 * request, addresses a client makes up, settings that do not parse.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { configFromEnv } from "../../src/hub/config.js";
import { ConfigError } from "../../src/platform/config.js";
import { DATABASES } from "../helpers/db.js";
import { json, startTestHub, type TestHub, untilChecked, uploadCtf } from "../helpers/hub.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`input hygiene on ${target.name}`, () => {
    let t: TestHub;
    let school = "";
    let admin = "";
    let seed = 500;

    beforeAll(async () => {
      t = await startTestHub(target.name, { maxUploadBytes: 64 * 1024 });
      school = await t.token("brookfield");
      admin = await t.token("admin");
    }, 120_000);
    afterAll(() => t?.stop());

    const xml = () =>
      writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: ++seed }));

    it("answers 404 in the standard shape for an id that is not an id, wherever it is", async () => {
      const calls: [string, string, string, unknown?][] = [
        [school, "GET", "/api/v1/transfers/abc"],
        [school, "GET", "/api/v1/transfers/abc/pupils"],
        [school, "POST", "/api/v1/transfers/abc/accept"],
        [school, "DELETE", "/api/v1/transfers/1'%20or%201=1"],
        [admin, "DELETE", "/api/v1/admin/tokens/abc"],
        [admin, "POST", "/api/v1/admin/users/abc/disable", { disabled: true }],
        [admin, "GET", "/api/v1/admin/users/abc/tokens"],
        [admin, "POST", "/api/v1/admin/users/abc/reset-password"],
        [admin, "POST", "/api/v1/admin/users/abc/token-life", { tokenMaxDays: 7 }],
      ];
      for (const [token, method, path, body] of calls) {
        const r = await t.api(
          token,
          path,
          body === undefined
            ? { method }
            : {
                method,
                headers: { "content-type": "application/json" },
                body: JSON.stringify(body),
              },
        );
        expect(r.status, `${method} ${path}`).toBe(404);
        expect((await json(r)).error.code, `${method} ${path}`).toBe("not-found");
      }
    });

    it("refuses the same bytes sent again while the first is on its way, naming it", async () => {
      const body = xml();
      const first = await uploadCtf(t, school, "8231234_CTF_9382001_101.XML", body);
      expect(first.status).toBe(202);
      const { id } = await json(first);
      // Another name, same bytes: still the same file.
      const again = await uploadCtf(t, school, "8231234_CTF_9382001_102.XML", body, { as: "raw" });
      expect(again.status).toBe(409);
      const err = (await json(again)).error;
      expect(err.code).toBe("upload.duplicate");
      expect(err.message).toContain("8231234_CTF_9382001_101.XML");
      expect(err.detail).toEqual({ transferId: id, fileName: "8231234_CTF_9382001_101.XML" });
      await untilChecked(t, school, id);
      expect((await uploadCtf(t, school, "8231234_CTF_9382001_103.XML", body)).status).toBe(409);
      // Once the receiver has it, sending it again is a new send, not an accident.
      const meadow = await t.token("meadowlane");
      await t.api(meadow, `/api/v1/transfers/${id}/accept`, { method: "POST" });
      expect((await uploadCtf(t, school, "8231234_CTF_9382001_104.XML", body)).status).toBe(202);
    });

    it("sends one of two identical uploads made at the same moment", async () => {
      const body = xml();
      const results = await Promise.all(
        [201, 202, 203].map((n) => uploadCtf(t, school, `8231234_CTF_9382001_${n}.XML`, body)),
      );
      expect(results.map((r) => r.status).sort()).toEqual([202, 409, 409]);
    });

    it("lets a retry take an Idempotency-Key whose first request never answered (its process died)", async () => {
      const brookfield = await t.hub.ctx.db
        .selectFrom("users")
        .select("id")
        .where("username", "=", "brookfield")
        .executeTakeFirstOrThrow();
      const claim = (key: string, minutesAgo: number, by: string | null = null) =>
        t.hub.ctx.db
          .insertInto("idempotency_keys")
          .values({
            user_id: brookfield.id,
            key,
            request: "POST /api/v1/transfers",
            created_at: new Date(t.now.value.getTime() - minutesAgo * 60_000),
            claimed_by: by,
          })
          .execute();
      const [freshKey, staleKey] = [`fresh-${seed}`, `stale-${seed}`];
      // Claimed a minute ago and not answered: still in progress, for all the hub knows.
      await claim(freshKey, 1);
      const fresh = await uploadCtf(t, school, "8231234_CTF_9382001_310.XML", xml(), {
        headers: { "idempotency-key": freshKey },
      });
      expect(fresh.status).toBe(409);
      expect((await json(fresh)).error.code).toBe("idempotency.in-progress");
      // Claimed ten minutes ago with no answer: the request died with its process; a retry acts.
      await claim(staleKey, 10);
      const retried = await uploadCtf(t, school, "8231234_CTF_9382001_311.XML", xml(), {
        headers: { "idempotency-key": staleKey },
      });
      expect(retried.status).toBe(202);
      const kept = await t.hub.ctx.db
        .selectFrom("idempotency_keys")
        .select("status")
        .where("user_id", "=", brookfield.id)
        .where("key", "=", staleKey)
        .executeTakeFirstOrThrow();
      expect(kept.status).toBe(202);

      // Claimed a moment ago by another process: in progress while that process says it is
      // alive; once it stops (killed), a retry acts at once, not after the claim's lease.
      const other = randomUUID();
      await t.hub.ctx.db
        .insertInto("hub_processes")
        .values({ id: other, role: "web", started_at: t.now.value, seen_at: t.now.value })
        .execute();
      const [aliveKey, goneKey] = [`alive-${seed}`, `gone-${seed}`];
      await claim(aliveKey, 0, other);
      const alive = await uploadCtf(t, school, "8231234_CTF_9382001_312.XML", xml(), {
        headers: { "idempotency-key": aliveKey },
      });
      expect((await json(alive)).error.code).toBe("idempotency.in-progress");
      await t.hub.ctx.db
        .updateTable("hub_processes")
        .set({ seen_at: new Date(t.now.value.getTime() - 60_000) })
        .where("id", "=", other)
        .execute();
      await claim(goneKey, 0, other);
      const afterKill = await uploadCtf(t, school, "8231234_CTF_9382001_313.XML", xml(), {
        headers: { "idempotency-key": goneKey },
      });
      expect(afterKill.status).toBe(202);
      // This hub process itself is among the living.
      const me = await t.hub.ctx.db
        .selectFrom("hub_processes")
        .select("id")
        .where("id", "=", t.hub.ctx.processId as string)
        .executeTakeFirst();
      expect(me).toBeDefined();
    });

    it("answers a retried request with the same Idempotency-Key with the first answer", async () => {
      const body = xml();
      const headers = { "idempotency-key": `retry-${seed}` };
      const first = await uploadCtf(t, school, "8231234_CTF_9382001_301.XML", body, { headers });
      expect(first.status).toBe(202);
      const firstBody = await json(first);
      const retry = await uploadCtf(t, school, "8231234_CTF_9382001_301.XML", body, { headers });
      expect(retry.status).toBe(202);
      expect(retry.headers.get("idempotent-replayed")).toBe("true");
      expect(await json(retry)).toEqual(firstBody);
      const sent = await t.hub.ctx.db
        .selectFrom("transfers")
        .select("id")
        .where("file_name", "=", "8231234_CTF_9382001_301.XML")
        .execute();
      expect(sent).toHaveLength(1);
      // The same for a file sent as raw XML, as the school side and scripts send it.
      const rawHeaders = { "idempotency-key": `raw-${seed}` };
      const rawBody = xml();
      const raw = await uploadCtf(t, school, "8231234_CTF_9382001_302.XML", rawBody, {
        as: "raw",
        headers: rawHeaders,
      });
      expect(raw.status).toBe(202);
      const rawAgain = await uploadCtf(t, school, "8231234_CTF_9382001_302.XML", rawBody, {
        as: "raw",
        headers: rawHeaders,
      });
      expect(rawAgain.status).toBe(202);
      expect(rawAgain.headers.get("idempotent-replayed")).toBe("true");
      expect((await json(rawAgain)).id).toBe((await json(raw)).id);
      // Another file, or another name, under the same key is not a retry: an outside test got
      // the first file's answer, and the second file never went.
      for (const as of ["multipart", "raw"] as const) {
        const h = as === "raw" ? rawHeaders : headers;
        const name = as === "raw" ? "8231234_CTF_9382001_302.XML" : "8231234_CTF_9382001_301.XML";
        const otherFile = await uploadCtf(t, school, name, xml(), { as, headers: h });
        expect(otherFile.status, as).toBe(422);
        expect((await json(otherFile)).error.code).toBe("idempotency.mismatch");
        const sameBody = as === "raw" ? rawBody : body;
        const otherName = await uploadCtf(t, school, "8231234_CTF_9382001_309.XML", sameBody, {
          as,
          headers: h,
        });
        expect(otherName.status, as).toBe(422);
      }
      // A name refused before the file was read: the retry is compared by name.
      const badKey = { "idempotency-key": `bad-name-${seed}` };
      const badName = await uploadCtf(t, school, "not-a-ctf.XML", xml(), { headers: badKey });
      expect(badName.status).toBe(400);
      const badAgain = await uploadCtf(t, school, "not-a-ctf.XML", xml(), { headers: badKey });
      expect(badAgain.headers.get("idempotent-replayed")).toBe("true");
      const renamed = await uploadCtf(t, school, "8231234_CTF_9382001_308.XML", xml(), {
        headers: badKey,
      });
      expect(renamed.status).toBe(422);
      // The same key on another request is a client's mistake, said as such.
      const other = await t.api(school, `/api/v1/transfers/${firstBody.id}`, {
        method: "DELETE",
        headers,
      });
      expect(other.status).toBe(422);
      expect((await json(other)).error.code).toBe("idempotency.mismatch");
      const tooLong = await t.api(school, `/api/v1/transfers/${firstBody.id}`, {
        method: "DELETE",
        headers: { "idempotency-key": "k".repeat(256) },
      });
      expect(tooLong.status).toBe(400);
      expect((await json(tooLong)).error.message).toMatch(/Idempotency-Key is 1 to 255/);
      // Keys are per user: another user's same key is their own.
      const meadow = await t.token("meadowlane");
      const theirs = await t.api(meadow, `/api/v1/transfers/${firstBody.id}/reject`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ reason: "Not ours" }),
      });
      expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    });

    it("refuses a file over the size limit as it streams in, and keeps none of it", async () => {
      const big = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 60, seed: 9 }));
      expect(big.length).toBeGreaterThan(64 * 1024);
      const before = await t.hub.ctx.store.list(new Date(Date.now() + 60_000));
      for (const as of ["multipart", "raw"] as const) {
        const r = await uploadCtf(t, school, "8231234_CTF_9382001_401.XML", big, { as });
        expect(r.status, as).toBe(413);
        expect((await json(r)).error).toMatchObject({ code: "upload.too-large", field: "file" });
        // The client can go on: the refused upload's connection is closed, not left half-read.
        expect((await t.api(school, "/api/v1/me")).status).toBe(200);
      }
      expect(await t.hub.ctx.store.list(new Date(Date.now() + 60_000))).toEqual(before);
      const rows = await t.hub.ctx.db
        .selectFrom("transfers")
        .select("id")
        .where("file_name", "=", "8231234_CTF_9382001_401.XML")
        .execute();
      expect(rows).toEqual([]);
    });

    it("believes no X-Forwarded-For unless told which proxy to trust", async () => {
      const ip = await ipRecordedFor("203.0.113.9", t);
      expect(ip).not.toBe("203.0.113.9");
      expect(ip).toMatch(/127\.0\.0\.1|::1/);
    });
  });
}

describe("a hub behind a proxy named in S2S_TRUST_PROXY", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub("pglite", { trustProxy: ["127.0.0.1", "::1"] });
  }, 120_000);
  afterAll(() => t?.stop());

  it("records the client's address the proxy passes on", async () => {
    expect(await ipRecordedFor("203.0.113.9", t)).toBe("203.0.113.9");
  });
});

describe("configuration", () => {
  it("stops at a value that does not parse, naming the variable", () => {
    expect(() => configFromEnv({ S2S_RETENTION_DAYS: "abc" })).toThrow(ConfigError);
    expect(() => configFromEnv({ S2S_RETENTION_DAYS: "abc" })).toThrow(/S2S_RETENTION_DAYS/);
    expect(() => configFromEnv({ PORT: "80a" })).toThrow(/PORT/);
    expect(() => configFromEnv({ S2S_MAX_UPLOAD_BYTES: "-1" })).toThrow(/S2S_MAX_UPLOAD_BYTES/);
    expect(() => configFromEnv({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => configFromEnv({ S2S_MASTER_KEY: "short" })).toThrow(/S2S_MASTER_KEY/);
    expect(() => configFromEnv({ S2S_TRUST_PROXY: "my proxy" })).toThrow(/S2S_TRUST_PROXY/);
    expect(configFromEnv({ S2S_RETENTION_DAYS: "30" }).retention.undownloadedDays).toBe(30);
    expect(configFromEnv({ S2S_TRUST_PROXY: "10.0.0.1, 10.1.0.0/16" }).trustProxy).toEqual([
      "10.0.0.1",
      "10.1.0.0/16",
    ]);
  });

  it("reads the store and metrics settings, and says what an S3 store is missing", () => {
    expect(configFromEnv({}).store).toEqual({ kind: "folder" });
    expect(() => configFromEnv({ S2S_STORE: "s3" })).toThrow(/S2S_S3_BUCKET/);
    expect(() => configFromEnv({ S2S_STORE: "disk" })).toThrow(/S2S_STORE must be folder or s3/);
    expect(() =>
      configFromEnv({ S2S_STORE: "s3", S2S_S3_BUCKET: "b", AWS_ACCESS_KEY_ID: "k" }),
    ).toThrow(/AWS_SECRET_ACCESS_KEY/);
    expect(() =>
      configFromEnv({ S2S_STORE: "s3", S2S_S3_BUCKET: "b", S2S_S3_ENDPOINT: "minio:9000" }),
    ).toThrow(/S2S_S3_ENDPOINT/);
    expect(
      configFromEnv({
        S2S_STORE: "s3",
        S2S_S3_BUCKET: "pupil-files",
        S2S_S3_PREFIX: "s2s",
        S2S_S3_ENDPOINT: "https://objects.example",
        S2S_S3_FORCE_PATH_STYLE: "1",
        AWS_REGION: "eu-west-2",
      }).store,
    ).toEqual({
      kind: "s3",
      bucket: "pupil-files",
      prefix: "s2s/",
      endpoint: "https://objects.example",
      forcePathStyle: true,
      region: "eu-west-2",
    });
    const off = configFromEnv({});
    expect(off.metricsPort).toBeUndefined();
    const on = configFromEnv({ S2S_METRICS_PORT: "9464" });
    expect([on.metricsPort, on.metricsHost]).toEqual([9464, "127.0.0.1"]);
    expect(
      configFromEnv({ S2S_METRICS_PORT: "9464", S2S_METRICS_HOST: "10.0.0.5" }).metricsHost,
    ).toBe("10.0.0.5");
    expect(() => configFromEnv({ S2S_METRICS_PORT: "metrics" })).toThrow(/S2S_METRICS_PORT/);
    expect(configFromEnv({}).retentionCron).toBe("*/10 * * * *");
    expect(configFromEnv({ S2S_RETENTION_CRON: "5 * * * *" }).retentionCron).toBe("5 * * * *");
    expect(() => configFromEnv({ S2S_RETENTION_CRON: "hourly" })).toThrow(/S2S_RETENTION_CRON/);
    expect(() => configFromEnv({ PORT: "3000", S2S_METRICS_PORT: "3000" })).toThrow(
      /S2S_METRICS_PORT must not be the service's own port/,
    );
  });
});

/** A wrong sign-in claiming to come from `forwardedFor`: the address the audit log recorded. */
async function ipRecordedFor(forwardedFor: string, t: TestHub): Promise<string | null> {
  const r = await fetch(`${t.url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ username: "brookfield", password: "wrong-password-here" }),
  });
  expect(r.status).toBe(401);
  const row = await t.hub.ctx.db
    .selectFrom("audit_events")
    .select("ip")
    .where("action", "=", "sign-in.failed")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  return row.ip;
}

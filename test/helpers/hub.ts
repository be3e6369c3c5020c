import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { configFromEnv, type HubConfig } from "../../src/hub/config.js";
import { upsertEstablishment } from "../../src/hub/establishments.js";
import { type RunningHub, startHub } from "../../src/hub/service.js";
import { createToken } from "../../src/hub/tokens.js";
import { codeAt, stepAt } from "../../src/platform/accounts/totp.js";
import { freshPostgresUrl } from "./db.js";
import { startTestS3 } from "./s3.js";
import { TestSmtp } from "./smtp.js";

export interface TestHub {
  hub: RunningHub;
  url: string;
  smtp: TestSmtp;
  config: HubConfig;
  /** The hub's clock; move it with `advance`. */
  now: { value: Date };
  advanceDays(days: number): void;
  token(username: string): Promise<string>;
  /** Authenticator keys by username: the demo's, and any a test adds. */
  totpSecrets: Map<string, string>;
  /**
   * The code a user's authenticator app shows: the hub's clock moves on 30 seconds first, as a
   * code is accepted once only.
   */
  code(username: string): string;
  /**
   * The newest sign-in link e-mailed to an address (delivering due mail first), as a path;
   * waits for one other than `not` (an earlier link) when given.
   */
  signInLink(email: string, not?: string): Promise<string>;
  api(token: string | undefined, path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** A hub with demo data on PGlite or a fresh PostgreSQL database, mailing a loopback SMTP server. */
export async function startTestHub(
  database: "pglite" | "postgres",
  extra: Partial<HubConfig> = {},
): Promise<TestHub> {
  const dataDir = await mkdtemp(join(tmpdir(), "s2s-hub-"));
  const smtp = new TestSmtp();
  const smtpUrl = await smtp.start();
  const pg = database === "postgres" ? await freshPostgresUrl() : undefined;
  // The service's two shapes: the demo's (PGlite, a folder) and the national one (PostgreSQL,
  // a bucket), so every hub test runs on both stores. A test about the folder itself says so.
  const s3 = database === "postgres" && extra.store === undefined ? await startTestS3() : undefined;
  const config = configFromEnv(
    {},
    {
      dataDir,
      port: 0,
      smtpUrl,
      pgliteTemplate: inject("hubPgliteTemplate"),
      ...(pg ? { databaseUrl: pg.url } : {}),
      ...(s3 ? { store: { kind: "s3" as const, ...s3.options, prefix: "hub/" } } : {}),
      ...extra,
    },
  );
  const now = { value: new Date("2026-11-02T09:00:00Z") };
  const hub = await startHub(config, {
    demo: true,
    clock: () => now.value,
    mailPollMs: 200,
    schedules: false,
  });
  config.publicUrl = hub.url as string;
  const url = hub.url as string;
  const totpSecrets = new Map(
    (hub.firstRun.demo ?? []).flatMap((d) =>
      d.totpSecret ? [[d.username, d.totpSecret] as const] : [],
    ),
  );
  return {
    hub,
    url,
    smtp,
    config,
    now,
    totpSecrets,
    async signInLink(email, not) {
      return eventually(`a sign-in link e-mailed to ${email}`, async () => {
        await hub.deliverMail();
        const links = smtp
          .to(email)
          .map((m) => /\/sign-in\/link\/[A-Za-z0-9_-]+/.exec(m.text ?? "")?.[0])
          .filter((l): l is string => l !== undefined);
        const newest = links[links.length - 1];
        if (newest !== undefined && newest !== not) return newest;
        // A send that failed under load waits out its back-off on the hub's clock: move it on.
        now.value = new Date(now.value.getTime() + 60_000);
        return undefined;
      });
    },
    code(username) {
      const secret = totpSecrets.get(username);
      if (!secret) throw new Error(`no authenticator key for ${username}`);
      now.value = new Date(now.value.getTime() + 30_000);
      return codeAt(secret, stepAt(now.value));
    },
    advanceDays(days) {
      now.value = new Date(now.value.getTime() + days * 86_400_000);
    },
    async token(username) {
      return (await createToken(hub.ctx, null, username)).token;
    },
    api(token, path, init = {}) {
      const headers = new Headers(init.headers);
      if (token) headers.set("authorization", `Bearer ${token}`);
      return fetch(`${url}${path}`, { ...init, headers });
    },
    async stop() {
      await hub.stop();
      await smtp.stop();
      await pg?.drop();
      await s3?.stop();
    },
  };
}

/** Waits until `check` returns a value, polling; fails with `what` after `ms`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A response's JSON, loosely typed: tests read fields they assert on. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions check the shape
export async function json(r: Response): Promise<any> {
  return r.json();
}

/**
 * A third LA (304 Elsewhere) with one school (3041001), beside the demo's two: an organisation
 * with no part in the demo schools' files.
 */
export async function addElsewhere(t: TestHub): Promise<void> {
  await upsertEstablishment(t.hub.ctx.db, {
    laestab: "3041001",
    urn: "111111",
    name: "Elsewhere School",
    laCode: "304",
    laName: "Elsewhere",
    type: "Community school",
    status: "open",
    independent: false,
  });
}

/** Uploads a CTF as a client would: multipart field "file", or raw XML with ?filename=. */
export function uploadCtf(
  t: TestHub,
  token: string | undefined,
  fileName: string,
  xml: string | Uint8Array,
  options: { as?: "multipart" | "raw"; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = options.headers ?? {};
  if (options.as === "raw") {
    return t.api(token, `/api/v1/transfers?filename=${encodeURIComponent(fileName)}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/xml" },
      body: xml,
    });
  }
  const form = new FormData();
  form.set("file", new Blob([xml], { type: "application/xml" }), fileName);
  return t.api(token, "/api/v1/transfers", { method: "POST", headers, body: form });
}

/** Waits until the hub has checked a transfer, and returns its view as `token` sees it. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions check the shape
export function untilChecked(t: TestHub, token: string, id: string): Promise<any> {
  return eventually(`transfer ${id} to be checked`, async () => {
    const body = await json(await t.api(token, `/api/v1/transfers/${id}`));
    return body.status === "checking" ? undefined : body;
  });
}

/** Uploads a CTF and waits until it is checked; fails if the upload is refused. */
export async function sendAndCheck(
  t: TestHub,
  token: string,
  fileName: string,
  xml: string,
  // biome-ignore lint/suspicious/noExplicitAny: the assertions check the shape
): Promise<any> {
  const r = await uploadCtf(t, token, fileName, xml);
  if (r.status !== 202) throw new Error(`upload refused: ${r.status} ${await r.text()}`);
  return untilChecked(t, token, (await json(r)).id);
}

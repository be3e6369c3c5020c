import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFromEnv, type HubConfig } from "../../src/config.js";
import { upsertEstablishment } from "../../src/hub/establishments.js";
import { createToken } from "../../src/hub/tokens.js";
import { type RunningHub, startHub } from "../../src/service.js";
import { freshPostgresUrl } from "./db.js";
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
  const config = configFromEnv(
    {},
    {
      dataDir,
      port: 0,
      smtpUrl,
      ...(pg ? { databaseUrl: pg.url } : {}),
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
  return {
    hub,
    url,
    smtp,
    config,
    now,
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

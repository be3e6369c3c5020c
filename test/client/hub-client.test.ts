/**
 * The hub client MIS suppliers and the school side use: every call it makes is one the hub
 * documents, and what goes wrong reaches the caller as a typed error it can act on.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HUB_CALLS,
  HubClient,
  HubError,
  HubUnreachableError,
} from "../../src/client/hub-client.js";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { startGateway } from "../helpers/gateway.js";
import { eventually, startTestHub, type TestHub } from "../helpers/hub.js";

describe("the hub client", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub("pglite");
  }, 90_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("calls only routes the hub's OpenAPI document describes", async () => {
    const doc = (await (await fetch(`${t.url}/api/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [method, path] of HUB_CALLS)
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });

  it("sends a file, sees it checked, and reads who it is and where it may send", async () => {
    const hub = new HubClient({ url: `${t.url}/`, token: await t.token("brookfield") });
    expect(await hub.me()).toMatchObject({ username: "brookfield", establishment: "8231234" });
    expect((await hub.mySchool()).name).toBe("Brookfield Primary School");
    const found = await hub.searchEstablishments("Meadow");
    expect(found.map((e) => e.laestab)).toContain("9382001");
    const next = await hub.nextSequence("8231234", "9382001");
    const xml = writeCtf(
      generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 11, now: new Date() }),
    );
    const sent = await hub.upload(next.fileName, xml, "client-test-1");
    expect(sent.status).toBe("checking");
    // The same key again: the same answer, not a second file; another file under it is refused.
    const again = await hub.upload(next.fileName, xml, "client-test-1");
    expect(again.id).toBe(sent.id);
    const other = await hub.upload(next.fileName, "another file", "client-test-1").catch((e) => e);
    expect((other as HubError).code).toBe("idempotency.mismatch");
    expect((await hub.sent()).map((s) => s.id)).toContain(sent.id);
  });

  it("lets the receiving school read a waiting file before accepting it, which leaves it waiting", async () => {
    const sender = new HubClient({ url: t.url, token: await t.token("brookfield") });
    const receiver = new HubClient({ url: t.url, token: await t.token("meadowlane") });
    const next = await sender.nextSequence("8231234", "9382001");
    const xml = writeCtf(
      generateCtf({ from: "8231234", to: "9382001", pupils: 3, seed: 12, now: new Date() }),
    );
    const { id } = await sender.upload(next.fileName, xml);
    const waiting = await eventually("the file checked", async () => {
      // The receiver sees it once it has been checked.
      const v = await receiver.transfer(id).catch(() => undefined);
      return v?.status === "available" ? v : undefined;
    });
    expect(waiting.sha256).toBe(createHash("sha256").update(xml).digest("hex"));
    expect(Buffer.from(await receiver.preview(id)).toString("utf8")).toBe(xml);
    expect((await receiver.transfer(id)).status).toBe("available");
    // The sender may not; and reading is not downloading: content needs the file accepted.
    await expect(sender.preview(id)).rejects.toMatchObject({ status: 409 });
    await expect(receiver.content(id)).rejects.toMatchObject({ status: 409 });
    const previews = await t.hub.ctx.db
      .selectFrom("audit_events")
      .select("action")
      .where("target", "=", `transfer:${id}`)
      .where("action", "in", ["preview", "download"])
      .execute();
    expect(previews.map((p) => p.action)).toEqual(["preview"]);
    await receiver.accept(id);
    expect(Buffer.from(await receiver.content(id)).toString("utf8")).toBe(xml);
  });

  it("says an address that answers, but not as a hub, is not a hub", async () => {
    const portal = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Welcome to the guest Wi-Fi</body></html>");
    });
    await new Promise<void>((r) => portal.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
      const hub = new HubClient({ url, token: "s2s_anything" });
      const refused = await hub.me().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(HubError);
      expect(refused).toMatchObject({ code: "hub.not-a-hub" });
      expect((refused as HubError).message).toContain("not as an S2S hub does");
    } finally {
      await new Promise((r) => portal.close(r));
    }
  });

  it("makes a request again when the hub says to try later, waiting as long as it asks", async () => {
    const gateway = await startGateway(t.url);
    try {
      const hub = new HubClient({ url: gateway.url, token: await t.token("brookfield") });
      // Twice "too many", once "unavailable, come back in a second": the fourth try is answered.
      gateway.refuse({
        method: "GET",
        path: "/api/v1/me",
        status: 429,
        code: "rate-limited",
        times: 2,
      });
      gateway.refuse({
        method: "GET",
        path: "/api/v1/me",
        status: 503,
        code: "internal",
        times: 1,
        retryAfter: "1",
      });
      const started = Date.now();
      expect((await hub.me()).username).toBe("brookfield");
      expect(gateway.refused()).toBe(3);
      // 0.5 s and 1 s of back-off, then the second the hub asked for.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2400);

      // A hub asking for longer than the client waits gets its answer passed on, at once.
      gateway.refuse({
        method: "GET",
        path: "/api/v1/me",
        status: 429,
        code: "rate-limited",
        times: 1,
        retryAfter: "3600",
      });
      const refused = await hub.me().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(HubError);
      expect((refused as HubError).status).toBe(429);
      expect(gateway.refused()).toBe(4);
      // And one that keeps saying "later" is believed after the retries run out.
      const impatient = new HubClient({
        url: gateway.url,
        token: await t.token("brookfield"),
        retries: 1,
      });
      gateway.refuse({
        method: "GET",
        path: "/api/v1/me",
        status: 503,
        code: "internal",
        times: 5,
      });
      expect(((await impatient.me().catch((e: unknown) => e)) as HubError).status).toBe(503);
      expect(gateway.refused()).toBe(6);
    } finally {
      await gateway.close();
    }
  });

  it("says the token is refused as a HubError with the hub's code, and no answer as unreachable", async () => {
    const wrong = new HubClient({ url: t.url, token: "s2s_wrong" });
    await expect(wrong.me()).rejects.toMatchObject({ status: 401, code: "auth.required" });
    await expect(wrong.me()).rejects.toBeInstanceOf(HubError);
    const nowhere = new HubClient({ url: "http://127.0.0.1:1", token: "x", timeoutMs: 2000 });
    await expect(nowhere.me()).rejects.toBeInstanceOf(HubUnreachableError);
  });
});

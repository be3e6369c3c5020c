/**
 * `npm start`: the hub and two schools' school sides on demo data, connected, with every
 * sign-in printed at every start, and a leaver's file going from one school to the other.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startDemoChain } from "../../src/cli/demo-chain.js";
import { eventually } from "../helpers/hub.js";

describe("the demo chain", () => {
  it("starts connected, sends a leaver from one school to the other, and prints the same sign-ins again after a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-demo-chain-"));
    const first = await startDemoChain(dir, { port: 0, schoolPorts: [0, 0] });
    let keys: (string | undefined)[];
    try {
      expect(first.signIns.map((s) => s.username)).toEqual([
        "brookfield",
        "meadowlane",
        "northshire-la",
        "southvale-la",
        "admin",
      ]);
      keys = first.signIns.map((s) => s.totpSecret);
      expect(keys.filter(Boolean)).toHaveLength(3);
      const [brookfield, meadow] = first.schools;
      if (!brookfield || !meadow) throw new Error("two schools expected");
      const call = (s: typeof brookfield, path: string, body?: unknown) =>
        fetch(`${s.url}${path}`, {
          method: body ? "POST" : "GET",
          headers: {
            authorization: `Bearer ${s.apiToken}`,
            ...(body ? { "content-type": "application/json" } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
          // biome-ignore lint/suspicious/noExplicitAny: the assertions check the shape
        }).then((r) => r.json() as Promise<any>);
      expect(await call(brookfield, "/api/v1/hub-connection")).toEqual({
        ok: true,
        school: "8231234",
      });
      expect(await call(meadow, "/api/v1/hub-connection")).toEqual({ ok: true, school: "9382001" });
      const register = await call(brookfield, "/api/v1/pupils");
      expect(register.total).toBe(60);
      const leaver = register.pupils[0];
      await call(brookfield, `/api/v1/pupils/${leaver.id}/leaving`, {
        date: new Date().toISOString().slice(0, 10),
        reason: "IM",
        destination: "9382001",
      });
      const { exports } = await call(brookfield, "/api/v1/exports", { pupils: [leaver.id] });
      expect(exports[0]).toMatchObject({ destination: "9382001", transferId: expect.any(String) });
      await eventually("the file checked at the hub", async () => {
        const listed = (await call(brookfield, "/api/v1/exports")).exports[0];
        return listed.status === "available" ? listed : undefined;
      });
    } finally {
      await first.stop();
    }
    const again = await startDemoChain(dir, { port: 0, schoolPorts: [0, 0] });
    try {
      expect(again.signIns.map((s) => s.totpSecret)).toEqual(keys);
      const [brookfield] = again.schools;
      const register = await fetch(`${brookfield?.url}/api/v1/pupils`, {
        headers: { authorization: `Bearer ${brookfield?.apiToken}` },
      }).then((r) => r.json() as Promise<{ total: number }>);
      expect(register.total).toBe(60);
    } finally {
      await again.stop();
    }
    // Three databases made on disk, twice, beside the other files: minutes on a busy machine.
  }, 300_000);
});

import { describe, expect, it } from "vitest";
import { OpenedParts } from "../src/platform/opened-parts.js";

describe("closing what a composition root opened", () => {
  it("closes in reverse order, each part once, and the rest even when one fails", async () => {
    const closed: string[] = [];
    const parts = new OpenedParts();
    parts.add("database", () => closed.push("database"));
    parts.add("queue", async () => {
      closed.push("queue");
      throw new Error("stuck");
    });
    parts.add("web", () => closed.push("web"));
    await expect(parts.closeAll()).rejects.toThrow("closing queue failed: stuck");
    expect(closed).toEqual(["web", "queue", "database"]);
    await parts.closeAll();
    expect(closed).toHaveLength(3);
  });
});

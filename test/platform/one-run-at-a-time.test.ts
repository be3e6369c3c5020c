/**
 * Asking for mail to go while it is going: the asks during a run share one run after it, which
 * covers what they came about, and a failed run does not stop the next.
 */
import { describe, expect, it } from "vitest";
import { oneRunAtATime } from "../../src/platform/one-run-at-a-time.js";

function gate() {
  let open = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe("one run at a time", () => {
  it("runs at once when idle, and once more for every burst of asks during a run", async () => {
    const gates = [gate(), gate()];
    let runs = 0;
    let running = 0;
    let most = 0;
    const ask = oneRunAtATime(async () => {
      const n = runs++;
      running++;
      most = Math.max(most, running);
      await gates[n]?.opened;
      running--;
      return n;
    });
    const first = ask();
    const during = [ask(), ask(), ask()];
    expect(runs).toBe(1);
    gates[0]?.open();
    expect(await first).toBe(0);
    gates[1]?.open();
    // The three asks made during the first run share the second, which began after it.
    expect(await Promise.all(during)).toEqual([1, 1, 1]);
    expect(runs).toBe(2);
    expect(most).toBe(1);
    expect(await ask()).toBe(2);
  });

  it("runs the queued run after a run that failed, and tells only the first caller", async () => {
    let runs = 0;
    const ask = oneRunAtATime(async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 10));
      if (runs === 1) throw new Error("the mail server hung up");
      return runs;
    });
    const first = ask();
    const second = ask();
    await expect(first).rejects.toThrow("hung up");
    expect(await second).toBe(2);
  });
});

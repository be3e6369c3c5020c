import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import Sequencer from "./test/sequencer.js";

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    sequence: { sequencer: Sequencer },
    hookTimeout: 60_000,
    reporters: ["default", "./test/summary-reporter.ts"],
    // Most of a test file's time is waiting (on a database, a socket, a browser), so files run
    // side by side: twice as many as the machine has cores. Each file has its own databases,
    // data folders and ports (0), so none shares anything with another.
    maxWorkers: Math.max(2, availableParallelism() * 2),
    projects: [
      {
        extends: true,
        test: {
          name: "main",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          // Files in one worker share its loaded modules: loading them afresh for each file was a
          // third of the run. Nothing of ours keeps state in a module, so files still share
          // nothing else (the browser journeys keep their isolation: they are few).
          isolate: false,
          testTimeout: 30_000,
        },
      },
      {
        // The browser journeys: their own project, with room for Chromium on a busy machine.
        extends: true,
        test: {
          name: "browser",
          include: ["test/e2e/**/*.test.ts"],
          sequence: { sequencer: Sequencer },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

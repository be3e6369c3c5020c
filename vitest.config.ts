import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
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
          testTimeout: 30_000,
        },
      },
      {
        // The browser journeys: their own project, with room for Chromium on a busy machine.
        extends: true,
        test: {
          name: "browser",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

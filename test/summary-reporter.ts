/**
 * Ends every run with a plain "tests: N passed, N failed, N skipped" line that CI can read, and
 * names every skipped test loudly, so a run that skipped the database or browser half says so.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    const skipped: string[] = [];
    for (const m of modules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failedHere++;
        else if (state === "skipped")
          skipped.push(`${m.moduleId.replace(`${process.cwd()}/`, "")} > ${t.fullName}`);
      }
      // A file that failed outside any test (a hook, an import) counts as a failure too.
      failed += m.state() === "failed" && failedHere === 0 ? 1 : failedHere;
    }
    const out: string[] = [];
    if (skipped.length > 0) {
      out.push("", `SKIPPED ${skipped.length} test(s):`, ...skipped.map((s) => `  - ${s}`));
    }
    out.push("", `tests: ${passed} passed, ${failed} failed, ${skipped.length} skipped`, "");
    // CI has both databases and the browser: a skip there means something is missing.
    if (process.env.S2S_REQUIRE_ALL_TESTS === "1" && skipped.length > 0) {
      out.push("S2S_REQUIRE_ALL_TESTS=1 and tests were skipped: failing the run.", "");
      process.exitCode = 1;
    }
    process.stdout.write(out.join("\n"));
  }
}

/**
 * Debian's Chromium driven by playwright-core, with axe-core on every page a journey visits and,
 * when S2S_SCREENSHOTS=1, a screenshot of each main page under test/e2e/screenshots/ for a
 * reviewer to look at.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type axe from "axe-core";
import { type Browser, chromium, type Page } from "playwright-core";

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

export const SCREENSHOTS = fileURLToPath(new URL("../e2e/screenshots/", import.meta.url));

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // This machine's network is closed: Chromium's own background traffic only fails slowly.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface AxeViolation {
  id: string;
  help: string;
  nodes: string[];
}

/** WCAG 2.2 A and AA (with the 2.0 and 2.1 rules it builds on), and page structure. */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // One pass: WCAG 2.2 A and AA by tag, and what the issue asks of every page beyond WCAG's
  // letter (headings in order, one h1, a skip link that works, everything inside a landmark)
  // switched on by name. Two passes had doubled the time every page took to check.
  const structure = [
    "heading-order",
    "page-has-heading-one",
    "skip-link",
    "region",
    "landmark-one-main",
  ];
  // axe-core itself, run in the page: @axe-core/playwright's default opens a blank page per
  // check to join frames' results, which tripled a journey's time, and these pages have no frames.
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    ([tags, byName]) => {
      const inPage = globalThis as unknown as { axe: typeof axe; document: axe.ElementContext };
      return inPage.axe.run(inPage.document, {
        runOnly: { type: "tag", values: tags },
        rules: Object.fromEntries(byName.map((id) => [id, { enabled: true }])),
        resultTypes: ["violations"],
      });
    },
    [WCAG_22_AA, structure] as const,
  );
  return result.violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}

/**
 * Only when asked: a hundred full-page PNGs were a tenth of the suite's time, and a clean clone's
 * CI run keeps none of them.
 */
export const TAKE_SCREENSHOTS = process.env.S2S_SCREENSHOTS === "1";

export async function screenshot(page: Page, name: string): Promise<void> {
  if (!TAKE_SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

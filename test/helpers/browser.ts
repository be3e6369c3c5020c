/**
 * Debian's Chromium driven by playwright-core, with axe-core on every page a journey visits and a
 * screenshot of each main page under test/e2e/screenshots/ for a reviewer to look at.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import { type Browser, chromium, type Page } from "playwright-core";

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
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"])
    .options({ rules: Object.fromEntries(structure.map((id) => [id, { enabled: true }])) })
    .analyze();
  return result.violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

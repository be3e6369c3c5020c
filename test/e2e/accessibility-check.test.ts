/**
 * The journeys trust `accessibilityViolations` to fail a page that breaks a rule; this shows it
 * does, for the WCAG rules by tag and for the structure rules switched on by name.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, HAVE_CHROMIUM, launch } from "../helpers/browser.js";

describe.skipIf(!HAVE_CHROMIUM)("the accessibility check", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("names each rule a page breaks, and passes a page that keeps them", async () => {
    const page = await browser.newPage();
    await page.setContent(`<!doctype html><html><head><title>Broken</title></head><body>
      <h3>Out of order</h3>
      <p style="color:#bbb;background:#fff">Too faint to read</p>
      <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
      <input type="text">
    </body></html>`);
    const broken = (await accessibilityViolations(page)).map((v) => v.id);
    expect(broken).toEqual(
      expect.arrayContaining([
        "html-has-lang",
        "color-contrast",
        "image-alt",
        "label",
        "page-has-heading-one",
        "landmark-one-main",
        "region",
      ]),
    );
    await page.setContent(`<!doctype html><html lang="en"><head><title>Fine</title></head><body>
      <main><h1>Fine</h1><p>Plain words.</p>
      <label for="n">Name</label><input id="n" type="text"></main>
    </body></html>`);
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});

// A newcomer's first minutes: the dashboard is built on demand when there is no build (what `npm start` runs first),
// and a signed-out first visit in real Chromium logs no error in the console (the session check answers 200).
import { mkdtemp, rm, stat, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleSourceDirs, ensureDashboardBuilt } from "../scripts/ensure-built";
import { launchChromium } from "./chromium";
import { type Stack, startStack } from "./stack";

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack({ worker: false });
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("a first run", () => {
  it("builds the dashboard where there is no build, and leaves an up-to-date one alone", async () => {
    const outDir = await mkdtemp(join(tmpdir(), "dashboard-build-"));
    try {
      await rm(outDir, { recursive: true });
      expect(ensureDashboardBuilt(outDir)).toBe("built");
      const built = await stat(join(outDir, "index.html"));
      expect(ensureDashboardBuilt(outDir)).toBe("up-to-date");
      expect((await stat(join(outDir, "index.html"))).mtimeMs).toBe(built.mtimeMs);
      // A preset's example job is part of the bundle: changing it (a newer file) builds again.
      const preset = join(import.meta.dirname, "..", "..", "..", "examples", "demo.json");
      const later = new Date(built.mtimeMs + 1000);
      await utimes(preset, later, later);
      expect(ensureDashboardBuilt(outDir)).toBe("built");
      // The workspace packages the bundle imports are found from the package files, not a list to keep.
      const packages = join(import.meta.dirname, "..", "..", "..", "packages");
      expect(bundleSourceDirs()).toEqual(
        expect.arrayContaining([join(packages, "formats", "src"), join(packages, "api-client", "src")]),
      );
      expect(bundleSourceDirs()).not.toContain(join(packages, "db", "src"));
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 180_000);

  it("shows a signed-out visitor the sign-in page without an error in the console", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    const failed: string[] = [];
    page.on("response", (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    const session = page.waitForResponse((response) => response.url().endsWith("/v1/session"));

    await page.goto(stack.url);
    await page.waitForURL(/\/sign-in/);
    await expect.poll(() => page.getByLabel("API key").isVisible()).toBe(true);
    expect((await session).status()).toBe(200);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

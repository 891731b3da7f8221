// The dashboard in real Chromium against the real API, Postgres, Redis and worker: sign in, see validation errors
// at their fields, submit a tiny search and watch it finish, read its plots, pick an architecture with the MACs
// budget slider, open it, download its bundle, compare two, sign out. Each page is saved to test-results/screenshots.
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations } from "./accessibility";
import { launchChromium } from "./chromium";
import { type Stack, startStack } from "./stack";

const REPO = resolve(import.meta.dirname, "../../..");
const SCREENSHOTS = join(REPO, "test-results", "screenshots");
const TINY_JOB_PATH = join(REPO, "tests", "fixtures", "tiny-search.json");
const TINY_JOB = readFileSync(TINY_JOB_PATH, "utf8");

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let searchId = "";
const pageErrors: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Every page the test visits is also checked for serious accessibility problems. */
async function expectAccessible() {
  expect(await accessibilityViolations(page)).toEqual([]);
}

/** A GET through the signed-in browser context, as the dashboard makes it. */
async function apiGet<T>(path: string): Promise<T> {
  const response = await context.request.get(`${stack.url}${path}`);
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return (await response.json()) as T;
}

interface Candidate {
  id: string;
  accuracy: number;
  macs: number;
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  stack = await startStack();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
}, 180_000);

afterEach(async (context) => {
  // A failing step leaves a picture of the page it failed on.
  if (context.task.result?.state === "fail" && page) {
    await shot(`failed-${context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}`).catch(() => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("the dashboard", () => {
  it("signs in with an API key into an httpOnly cookie and keeps the key out of storage", async () => {
    await page.goto(stack.url);
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel("API key").fill("vnk_not-a-real-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/not valid/);
    await shot("sign-in");
    await expectAccessible();

    await page.getByLabel("API key").fill(stack.apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/searches$/);
    await expect.poll(() => page.locator("header .who").textContent()).toContain(stack.teamName);

    const cookies = await context.cookies(stack.url);
    const session = cookies.find((c) => c.name === "vitnas_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
    expect(stored).not.toContain(stack.apiKey);
    expect(stored).toBe("[{},{}]");
    await shot("searches-empty");
    await expectAccessible();
  });

  it("shows the API's validation messages at the fields they concern", async () => {
    await page.getByRole("link", { name: "New search" }).first().click();
    await page.waitForURL(/\/searches\/new$/);
    await page.getByLabel("Supernet epochs").fill("0");
    const space = page.getByLabel("Search space (vit-space/v1 JSON)");
    const text = (await space.inputValue()).replace(/"widths": \[\s*32/, '"widths": [0');
    await space.fill(text);
    await page.getByRole("button", { name: "Submit search" }).click();

    const epochsError = page.locator("#field-supernet-epochs-error");
    await epochsError.waitFor();
    expect(await page.getByLabel("Supernet epochs").getAttribute("aria-invalid")).toBe("true");
    expect(await epochsError.textContent()).toMatch(/>= ?1|at least|minimum/i);
    const spaceError = await page.locator("#field-space-error").textContent();
    expect(spaceError).toContain("stages[0].widths[0]");
    await shot("new-search-errors");
    await expectAccessible();
  });

  it("submits a tiny search and follows it live until it succeeds", async () => {
    await page.goto(`${stack.url}/searches/new`);
    await page.locator("summary", { hasText: "Paste or upload a job" }).click();
    await page.getByLabel("Upload a job file").setInputFiles(TINY_JOB_PATH);
    // The file is read asynchronously in the page: wait for it to land in the form.
    await expect.poll(() => page.getByLabel("Job (nas-search/v1 JSON)").inputValue()).toBe(TINY_JOB);
    await expect.poll(() => page.getByLabel("Name").inputValue()).toBe("tiny-service-test");
    const eventStreams: string[] = [];
    page.on("response", (response) => {
      if (response.url().endsWith("/events")) eventStreams.push(response.headers()["content-type"] ?? "");
    });
    await page.getByRole("button", { name: "Submit search" }).click();
    await page.waitForURL(/\/searches\/[0-9a-f-]{36}$/);
    searchId = page.url().split("/").pop()!;

    const badge = page.locator("h1 .badge");
    const phases = new Set<string>();
    // Generous: under the whole repository's test run the machine's two cores are shared with other suites.
    const deadline = Date.now() + 280_000;
    for (;;) {
      const status = await badge.textContent();
      phases.add((await page.getByTestId("phase").textContent()) ?? "");
      if (status === "succeeded") break;
      if (status === "failed" || status === "cancelled") {
        throw new Error(
          `the search ${status}: ${await page.locator(".panel .field-error").allTextContents()}\n${stack.workerLog()}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`the search did not finish in time\n${stack.workerLog()}`);
      await page.waitForTimeout(250);
    }
    // The page moved through the pipeline's phases on its own, without a reload, fed by server-sent events.
    expect(phases.size).toBeGreaterThan(1);
    expect(eventStreams[0]).toContain("text/event-stream");
    expect(await page.getByRole("progressbar", { name: "Search progress" }).getAttribute("aria-valuenow")).toBe("100");
    await page.locator("[data-testid=candidate-scatter] canvas").first().waitFor();
    await page.locator("[data-testid=front-history] canvas").first().waitFor();
    await page.locator("[data-testid=training-curves] canvas").first().waitFor();
    await page.waitForTimeout(500);
    await shot("search");
    await expectAccessible();
  }, 300_000);

  it("lists the search with its status, and filters by status", async () => {
    await page.getByRole("link", { name: "Searches", exact: true }).click();
    const row = page.locator(`tr[data-search-id="${searchId}"]`);
    await row.waitFor();
    expect(await row.locator(".badge").textContent()).toBe("succeeded");
    expect(await row.textContent()).toContain("dashboard-test");
    await page.getByLabel("Status").selectOption("failed");
    await page.getByText("No searches with status failed").waitFor();
    await page.getByLabel("Status").selectOption("succeeded");
    await row.waitFor();
    await shot("searches");
    await expectAccessible();
  });

  it("plots every candidate with the front and picks the best architecture under the MACs budget", async () => {
    await page.goto(`${stack.url}/searches/${searchId}`);
    const scatter = await apiGet<{ total: number; front: Candidate[] }>(`/v1/searches/${searchId}/scatter`);
    expect(scatter.total).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator("#candidates-title + p").textContent())
      .toContain(`${scatter.total} evaluated, ${scatter.front.length} on the front`);

    const all = await apiGet<{ items: Candidate[] }>(`/v1/searches/${searchId}/candidates?limit=500&arch=false`);
    expect(all.items).toHaveLength(scatter.total);
    const bestUnder = (budget: number) =>
      all.items.filter((c) => c.macs <= budget).sort((a, b) => b.accuracy - a.accuracy)[0];

    const slider = page.getByRole("slider", { name: /MACs budget/ });
    const best = page.getByTestId("budget-best");
    for (const key of ["Home", "End"]) {
      await slider.focus();
      await page.keyboard.press(key);
      const budget = Number(await best.getAttribute("data-budget"));
      const expected = bestUnder(budget)!;
      await expect.poll(() => best.textContent()).toContain(`${(expected.accuracy * 100).toFixed(2)}%`);
      expect(await best.getByRole("link").getAttribute("href")).toBe(
        `/searches/${searchId}/architectures/${expected.id}`,
      );
    }
    await shot("search-budget");
  });

  it("opens an architecture with its diagram and metrics, and downloads its bundle", async () => {
    await page.getByTestId("budget-best").getByRole("link", { name: "open architecture" }).click();
    await page.waitForURL(/\/architectures\//);
    const archId = page.url().split("/").pop()!;
    const detail = await apiGet<{ arch: { stages: { blocks: unknown[] }[] }; metrics: Candidate }>(
      `/v1/searches/${searchId}/architectures/${archId}`,
    );
    await page.getByTestId("arch-metrics").waitFor();
    expect(await page.getByTestId("arch-metrics").textContent()).toContain(
      `${(detail.metrics.accuracy * 100).toFixed(2)}%`,
    );
    expect(await page.locator(".arch-stage").count()).toBe(detail.arch.stages.length);
    expect(await page.locator(".arch-block").count()).toBe(detail.arch.stages.flatMap((s) => s.blocks).length);
    await shot("architecture");
    await expectAccessible();

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download bundle" }).click(),
    ]);
    const path = await download.path();
    const tar = gunzipSync(readFileSync(path));
    // A tar archive: the first header's name field, then "ustar" at offset 257.
    expect(tar.subarray(257, 262).toString()).toBe("ustar");
    expect(tar.toString("latin1")).toContain(archId.slice(0, 12));
  });

  it("compares two architectures of the front side by side", async () => {
    await page.goto(`${stack.url}/searches/${searchId}`);
    const boxes = page.getByRole("checkbox", { name: /^Compare / });
    await boxes.first().waitFor();
    const count = await boxes.count();
    if (count < 2) {
      // A front of one point has nothing to compare with: the page says so instead of offering the link.
      await page.getByText("Choose two architectures").waitFor();
      return;
    }
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByRole("link", { name: "Compare the two chosen" }).click();
    await page.waitForURL(/\/compare\?/);
    await page.locator(".compare .arch").nth(1).waitFor();
    expect(await page.locator("table.differences tbody tr").count()).toBeGreaterThan(3);
    await shot("compare");
    await expectAccessible();
  });

  it("cancels a running search from a preset and resumes it", async () => {
    await page.goto(`${stack.url}/searches/new`);
    await page.getByRole("radio", { name: /Demo/ }).check();
    await page.getByRole("button", { name: "Submit search" }).click();
    await page.waitForURL(/\/searches\/[0-9a-f-]{36}$/);
    const badge = page.locator("h1 .badge");
    await badge.waitFor();
    expect(["queued", "running"]).toContain(await badge.textContent());

    await page.getByRole("button", { name: "Cancel search" }).click();
    await expect.poll(() => badge.textContent(), { timeout: 30_000 }).toBe("cancelled");
    await shot("search-cancelled");
    await expectAccessible();
    await page.getByRole("button", { name: "Resume search" }).click();
    await expect.poll(() => badge.textContent(), { timeout: 30_000 }).toMatch(/^(queued|running)$/);
    // Stop it again: the demo search is not this test's subject and would keep the worker busy.
    await page.getByRole("button", { name: "Cancel search" }).click();
    await expect.poll(() => badge.textContent(), { timeout: 30_000 }).toBe("cancelled");
  });

  it("signs out: the cookie no longer opens the API", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in/);
    const response = await context.request.get(`${stack.url}/v1/me`);
    expect(response.status()).toBe(401);
    expect(pageErrors).toEqual([]);
  });
});

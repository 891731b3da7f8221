// The final phase's results and a finished search's report in real Chromium against the real API and Postgres, on
// searches seeded in the database as the worker records them: each trained front architecture's test accuracy next
// to its inherited accuracy (front table, scatter, architecture page), both of its bundles to download, the
// baselines beside the front (table and scatter), the report and its chart linked, and a search followed live
// through its final phase. Pages are saved to test-results/screenshots and checked with axe.

import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatAccuracy, formatMacs } from "../src/format";
import { accessibilityViolations } from "./accessibility";
import { launchChromium, signedInPage } from "./chromium";
import { type SeededSearch, seedJob, seedSearch, TRAINED_GAIN } from "./seed";
import { type Stack, startStack } from "./stack";

const SCREENSHOTS = join(resolve(import.meta.dirname, "../../.."), "test-results", "screenshots");
const RUNNING_MESSAGE = "training trained/seeded (1 of 2, finetune)";

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let finished: SeededSearch;
let training: SeededSearch;
const pageErrors: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function expectAccessible() {
  const violations = await accessibilityViolations(page);
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
}

async function apiGet<T>(path: string): Promise<T> {
  const response = await context.request.get(`${stack.url}${path}`);
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return (await response.json()) as T;
}

interface FrontPoint {
  id: string;
  accuracy: number;
  macs: number;
  testAccuracy: number | null;
  finalEpochs: number | null;
  finalMode: string | null;
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  stack = await startStack({ worker: false });
  finished = await seedSearch(
    stack.url,
    stack.apiKey,
    stack.db,
    // The seeded front has two members (stage 1's attention decides accuracy): one is trained, one is not.
    seedJob("trained-front", undefined, {
      final: { top: 1, mode: "finetune", epochs: 2 },
      baselines: { builtin: ["smallest", "median", "largest"] },
    }),
    { count: 300, final: { store: stack.artifacts } },
  );
  training = await seedSearch(
    stack.url,
    stack.apiKey,
    stack.db,
    seedJob("final-running", undefined, { final: { top: 2, mode: "finetune", epochs: 2 } }),
    {
      count: 120,
      seed: 3,
      final: {
        running: {
          phase: "final",
          percent: 92,
          epoch: 1,
          epochs: 2,
          step: 7,
          steps: 20,
          loss: 0.8,
          message: RUNNING_MESSAGE,
        },
      },
    },
  );
  browser = await launchChromium();
  ({ context, page } = await signedInPage(browser, stack, pageErrors, { acceptDownloads: true }));
}, 180_000);

afterEach(async (test) => {
  if (test.task.result?.state === "fail" && page) {
    await shot(`failed-${test.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}`).catch(() => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("the final phase's results", () => {
  it("shows each trained front architecture's test accuracy beside its inherited accuracy, in the table and on the scatter", async () => {
    await page.goto(`${stack.url}/searches/${finished.id}`);
    const front = await apiGet<FrontPoint[]>(`/v1/searches/${finished.id}/pareto`);
    const trained = front.filter((p) => p.testAccuracy !== null);
    expect(trained).toHaveLength(1);
    expect(front.length).toBeGreaterThan(1);
    const cells = page.getByTestId("front-test-accuracy");
    await cells.first().waitFor();
    expect(await cells.count()).toBe(front.length);
    const byMacs = [...front].sort((a, b) => a.macs - b.macs);
    for (const [i, p] of byMacs.entries()) {
      const text = await cells.nth(i).textContent();
      if (p.testAccuracy === null) expect(text).toBe("—");
      else {
        expect(text).toBe(`${formatAccuracy(p.testAccuracy)} (fine-tuned from the inherited weights, 2 epochs)`);
        // The inherited accuracy sits in the column before, and differs.
        expect(p.testAccuracy).toBeCloseTo(p.accuracy + TRAINED_GAIN, 10);
      }
    }

    const chart = page.getByTestId("candidate-scatter");
    await chart.locator("canvas").first().waitFor();
    const label = (await chart.getAttribute("aria-label")) ?? "";
    expect(label).toContain("1 front architecture trained alone marked with a triangle at its test accuracy");
    expect(label).toContain("3 baselines marked with labelled squares at their test accuracy");
    // The cheapest front point was trained: the keyboard's read-out says both accuracies.
    await chart.focus();
    await page.keyboard.press("ArrowRight");
    const cheapest = byMacs[0]!;
    await expect
      .poll(() => page.getByTestId("scatter-focus").textContent())
      .toContain(
        `accuracy ${formatAccuracy(cheapest.accuracy)}, trained alone ${formatAccuracy(cheapest.testAccuracy!)} on the test split`,
      );
    await page.getByTestId("final-training-curves").locator("canvas").first().waitFor();
    await page.waitForTimeout(300);
    await shot("final-front");
    await expectAccessible();
  });

  it("lists the baselines beside the front with their MACs and test accuracy, and links the report and its chart", async () => {
    const baselines = await apiGet<{ items: { name: string; macs: number; testAccuracy: number; download: string }[] }>(
      `/v1/searches/${finished.id}/baselines`,
    );
    expect(baselines.items.map((b) => b.name).sort()).toEqual([
      "uniform-largest",
      "uniform-median",
      "uniform-smallest",
    ]);
    await page.getByTestId("baselines-table").waitFor();
    const rows = page.getByTestId("baselines-table").locator("tbody tr");
    expect(await rows.count()).toBe(3);
    for (const [i, b] of baselines.items.entries()) {
      const row = rows.nth(i);
      expect(await row.getAttribute("data-baseline")).toBe(b.name);
      const text = (await row.textContent()) ?? "";
      expect(text).toContain(formatAccuracy(b.testAccuracy));
      expect(text).toContain(formatMacs(b.macs));
      expect(await row.getByRole("link", { name: `Download baseline ${b.name}` }).getAttribute("href")).toBe(
        b.download,
      );
    }
    const downloaded = await context.request.get(`${stack.url}${baselines.items[0]!.download}`);
    expect(downloaded.status()).toBe(200);

    const report = page.getByRole("link", { name: "Open the report (Markdown)" });
    const svg = page.getByRole("link", { name: "Open the chart (SVG)" });
    expect(await report.getAttribute("href")).toBe(`/v1/searches/${finished.id}/report`);
    expect(await svg.getAttribute("href")).toBe(`/v1/searches/${finished.id}/pareto.svg`);
    const markdown = await context.request.get(`${stack.url}/v1/searches/${finished.id}/report`);
    expect(markdown.headers()["content-type"]).toContain("text/markdown");
    expect(await markdown.text()).toContain("# trained-front");
    // The chart is drawn in the page, from the API, with the session cookie.
    const image = page.getByTestId("report-chart");
    await image.scrollIntoViewIfNeeded();
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(480);
    await page.locator("#baselines-title").scrollIntoViewIfNeeded();
    await shot("final-baselines-report");
    await expectAccessible();
  });

  it("offers a trained architecture's trained model and inherited weights, each labelled, and one bundle otherwise", async () => {
    const front = await apiGet<FrontPoint[]>(`/v1/searches/${finished.id}/pareto`);
    const trained = front.find((p) => p.testAccuracy !== null)!;
    const untrained = front.find((p) => p.testAccuracy === null)!;
    const detail = await apiGet<{ metrics: { testAccuracy: number; finalValAccuracy: number; accuracy: number } }>(
      `/v1/searches/${finished.id}/architectures/${trained.id}`,
    );
    await page.goto(`${stack.url}/searches/${finished.id}/architectures/${trained.id}`);
    await page.getByTestId("test-accuracy").waitFor();
    expect(await page.getByTestId("test-accuracy").textContent()).toBe(formatAccuracy(detail.metrics.testAccuracy));
    const metrics = (await page.getByTestId("arch-metrics").textContent()) ?? "";
    expect(metrics).toContain(`Accuracy, inherited weights (validation)${formatAccuracy(detail.metrics.accuracy)}`);
    expect(metrics).toContain(`Validation accuracy, trained alone${formatAccuracy(detail.metrics.finalValAccuracy)}`);
    expect(await page.getByTestId("download-note").textContent()).toContain("fine-tuned from the inherited weights");
    await shot("final-architecture");
    await expectAccessible();

    const download = async (name: string) => {
      const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name }).click()]);
      return { name: file.suggestedFilename(), tar: gunzipSync(readFileSync(await file.path())).toString("latin1") };
    };
    const trainedModel = await download("Download trained model");
    expect(trainedModel.name).toMatch(/\.trained\.tar\.gz$/);
    expect(trainedModel.tar).toContain('"kind":"standalone"');
    const inherited = await download("Download bundle with inherited weights");
    expect(inherited.name).not.toContain(".trained.");
    expect(inherited.tar).toContain("arch.json");
    expect(inherited.tar).not.toContain('"kind":"standalone"');

    await page.goto(`${stack.url}/searches/${finished.id}/architectures/${untrained.id}`);
    await page.getByTestId("arch-metrics").waitFor();
    expect(await page.getByRole("link", { name: /^Download/ }).count()).toBe(1);
    expect(await page.getByRole("link", { name: "Download bundle" }).getAttribute("href")).toBe(
      `/v1/searches/${finished.id}/architectures/${untrained.id}/download`,
    );
    expect(await page.getByTestId("test-accuracy").count()).toBe(0);
  });

  it("follows a search through its final phase: the model in training, its epoch and step, and the loss so far", async () => {
    await page.goto(`${stack.url}/searches/${training.id}`);
    await expect.poll(() => page.getByTestId("phase").textContent()).toBe("final");
    expect(await page.getByTestId("step").textContent()).toBe("7 / 20");
    expect(await page.getByTestId("progress-message").textContent()).toBe(RUNNING_MESSAGE);
    await page.getByTestId("final-training-curves").locator("canvas").first().waitFor();
    // Nothing is reported before the search ends.
    expect(await page.locator("#report-title").count()).toBe(0);

    // The next step arrives over the event stream, without a reload.
    const next = "training trained/seeded (2 of 2, finetune)";
    await stack.db.progress.report(training.id, {
      phase: "final",
      percent: 96,
      epoch: 2,
      epochs: 2,
      step: 3,
      steps: 20,
      loss: 0.6,
      message: next,
    });
    await expect.poll(() => page.getByTestId("progress-message").textContent(), { timeout: 10_000 }).toBe(next);
    expect(await page.getByTestId("step").textContent()).toBe("3 / 20");
    await shot("final-running");
    await expectAccessible();
    expect(pageErrors).toEqual([]);
  });
});

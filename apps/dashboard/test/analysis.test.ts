// The dashboard's analyses in real Chromium against the real API and Postgres, on finished searches seeded in the
// database (no training): parallel coordinates brushed with the mouse, choice importance, hypervolume per
// generation, and comparing searches with the selection kept in the URL. Pages are saved to
// test-results/screenshots and checked with axe.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations } from "./accessibility";
import { launchChromium, signedInPage } from "./chromium";
import { type SeededSearch, seedJob, seedSearch } from "./seed";
import { type Stack, startStack } from "./stack";

const SCREENSHOTS = join(resolve(import.meta.dirname, "../../.."), "test-results", "screenshots");

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let strong: SeededSearch;
let weak: SeededSearch;
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

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  stack = await startStack({ worker: false });
  // More candidates than the page asks /parallel for (5,000), so what it draws is the sample with the whole front.
  strong = await seedSearch(stack.url, stack.apiKey, stack.db, seedJob("wide-attention"), { count: 6000 });
  weak = await seedSearch(stack.url, stack.apiKey, stack.db, seedJob("cheap-only", 3_000_000), {
    count: 800,
    scale: 0.85,
    seed: 2,
  });
  browser = await launchChromium();
  ({ context, page } = await signedInPage(browser, stack, pageErrors));
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

describe("a search's analyses", () => {
  it("draws every candidate across its choices, and brushing the accuracy axis keeps the best", async () => {
    await page.goto(`${stack.url}/searches/${strong.id}`);
    const chart = page.getByTestId("candidate-parallel");
    await chart.locator("canvas").first().waitFor();
    const front = await apiGet<{ id: string }[]>(`/v1/searches/${strong.id}/pareto`);
    expect(await chart.getAttribute("aria-label")).toContain(`${strong.candidates.length} candidates`);
    expect(await chart.getAttribute("aria-label")).toContain(`the ${front.length} front members in orange`);
    expect(await page.locator("#parallel-title + p").textContent()).toMatch(
      new RegExp(`\\d+ lines stand for the ${strong.candidates.length} candidates, every front member among them`),
    );
    await page.waitForTimeout(500);
    await shot("search-parallel");

    // Drag down the top of the last axis (accuracy; the chart's margins are 72 px right, 56 top, 32 bottom), with
    // the chart in view: the mouse only reaches what is on screen.
    await chart.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    const box = (await chart.boundingBox())!;
    const x = box.x + box.width - 72;
    const top = box.y + 56;
    const bottom = box.y + box.height - 32;
    await page.mouse.move(x, top + 1);
    await page.mouse.down();
    await page.mouse.move(x, top + (bottom - top) * 0.1, { steps: 5 });
    await page.mouse.move(x, top + (bottom - top) * 0.2, { steps: 5 });
    await page.mouse.up();
    const selection = page.getByTestId("parallel-selection");
    await expect.poll(() => selection.textContent()).toMatch(/lines kept/);
    const kept = Number((await selection.locator("strong").first().textContent()) ?? "0");
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(5000);
    // The most accurate candidate of all is in the top fifth of the accuracy axis, and listed first.
    const best = [...strong.candidates].sort((a, b) => b.accuracy - a.accuracy)[0]!;
    expect(await selection.locator("ol li").first().getByRole("link").getAttribute("href")).toBe(
      `/searches/${strong.id}/architectures/${best.id}`,
    );
    expect(await selection.locator("ol li").first().textContent()).toContain(`${(best.accuracy * 100).toFixed(2)}%`);
    await shot("search-parallel-brushed");
    await expectAccessible();
  });

  it("shows which choices explain accuracy, with each option's accuracy", async () => {
    const answer = await apiGet<{
      explained: number;
      choices: { key: string; importance: number; options: { value: string; mean: number; candidates: number }[] }[];
    }>(`/v1/searches/${strong.id}/importance`);
    // Only stage 1's attention moves accuracy in this search.
    expect(answer.choices[0]!.key).toBe("stages[0].attention");
    const rows = page.locator("table.importance tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(answer.choices.length);
    const top = rows.first();
    expect(await top.getAttribute("data-choice")).toBe("stages[0].attention");
    expect(await top.locator("th").textContent()).toBe("stage 1 attention");
    expect(await top.locator(".importance-value").textContent()).toBe(
      `${Math.round(answer.choices[0]!.importance * 100)}%`,
    );
    // Options best first: softmax, performer, fnet, each with the API's mean and count.
    const options = top.locator(".option-list li");
    expect(await options.evaluateAll((items) => items.map((li) => li.getAttribute("data-option")))).toEqual([
      "softmax",
      "performer",
      "fnet",
    ]);
    for (const option of answer.choices[0]!.options) {
      const text = await top.locator(`li[data-option="${option.value}"]`).textContent();
      expect(text).toContain(`${(option.mean * 100).toFixed(2)}%`);
      expect(text).toContain(`(${option.candidates})`);
    }
    expect(await page.getByTestId("importance-summary").textContent()).toContain(
      `explain ${Math.round(answer.explained * 100)}% of accuracy's variance over all ${strong.candidates.length} candidates`,
    );
    await page.locator("#importance-title").scrollIntoViewIfNeeded();
    await shot("search-importance");
  });

  it("plots the hypervolume after each generation", async () => {
    const fronts = await apiGet<{ items: { generation: number; hypervolume: number }[] }>(
      `/v1/searches/${strong.id}/fronts`,
    );
    expect(fronts.items).toHaveLength(5);
    const chart = page.getByTestId("hypervolume-history");
    await chart.locator("canvas").first().waitFor();
    const last = fronts.items.at(-1)!;
    expect(await chart.getAttribute("aria-label")).toContain(
      `${last.hypervolume.toFixed(4)} after generation ${last.generation}`,
    );
    await page.locator("#hypervolume-title").scrollIntoViewIfNeeded();
    await shot("search-hypervolume");
  });
});

describe("the scatter from the keyboard", () => {
  it("walks the front and every plotted candidate, shows and reads out the one in focus, and opens it", async () => {
    await page.goto(`${stack.url}/searches/${strong.id}`);
    const front = await apiGet<{ id: string; accuracy: number; macs: number }[]>(`/v1/searches/${strong.id}/pareto`);
    const shown = await apiGet<{ front: { macs: number }[]; others: { id: string; accuracy: number; macs: number }[] }>(
      `/v1/searches/${strong.id}/scatter?maxPoints=20000`,
    );
    const percent = (accuracy: number) => `${(accuracy * 100).toFixed(2)}%`;
    const chart = page.getByTestId("candidate-scatter");
    await chart.locator("canvas").first().waitFor();
    expect(await chart.getAttribute("aria-label")).toContain("Left and right arrows move along the front");
    const live = page.getByTestId("scatter-focus");

    await chart.focus();
    await page.keyboard.press("ArrowRight");
    await expect
      .poll(() => live.textContent())
      .toMatch(
        new RegExp(
          `^Front point 1 of ${front.length}: accuracy ${percent(front[0]!.accuracy)}, .+ MACs, .+ params\\. Enter opens it\\.$`,
        ),
      );
    // The tooltip shows the point in focus too.
    await expect.poll(() => chart.textContent()).toContain(`accuracy ${percent(front[0]!.accuracy)}`);
    await page.keyboard.press("ArrowRight");
    await expect
      .poll(() => live.textContent())
      .toContain(`Front point 2 of ${front.length}: accuracy ${percent(front[1]!.accuracy)}`);
    await page.keyboard.press("End");
    const last = front.at(-1)!;
    await expect
      .poll(() => live.textContent())
      .toContain(`Front point ${front.length} of ${front.length}: accuracy ${percent(last.accuracy)}`);
    await chart.scrollIntoViewIfNeeded();
    await shot("search-scatter-keyboard");
    await expectAccessible();

    // Page Down starts at the cheapest of every plotted candidate.
    const plotted = shown.front.length + shown.others.length;
    await page.keyboard.press("PageDown");
    await expect.poll(() => live.textContent()).toMatch(new RegExp(`^Candidate 1 of ${plotted} shown`));
    await page.keyboard.press("Escape");
    await expect.poll(() => live.textContent()).toBe("");

    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/architectures/${last.id}$`));
  });
});

describe("comparing searches", () => {
  it("overlays the chosen searches' fronts with hypervolumes on one scale, kept in the URL", async () => {
    await page.goto(`${stack.url}/searches`);
    await page.getByRole("checkbox", { name: "Compare wide-attention" }).check();
    await page.getByRole("checkbox", { name: "Compare cheap-only" }).check();
    await page.getByRole("link", { name: "Compare the 2 chosen" }).click();
    await page.waitForURL(/\/searches\/compare\?ids=/);
    const ids = new URL(page.url()).searchParams.get("ids")!.split(",");
    expect(ids.sort()).toEqual([strong.id, weak.id].sort());

    const answer = await apiGet<{ searches: { id: string; hypervolume: number }[] }>(
      `/v1/searches/compare?ids=${ids.join(",")}`,
    );
    const table = page.getByTestId("compare-table");
    await table.waitFor();
    for (const s of answer.searches) {
      expect(await table.locator(`tr[data-search-id="${s.id}"] [data-testid=hypervolume]`).textContent()).toBe(
        s.hypervolume.toFixed(4),
      );
    }
    const byId = Object.fromEntries(answer.searches.map((s) => [s.id, s.hypervolume]));
    expect(byId[strong.id]!).toBeGreaterThan(byId[weak.id]!);
    await page.getByTestId("front-overlay").locator("canvas").first().waitFor();
    await page.getByTestId("compare-hypervolume").locator("canvas").first().waitFor();
    await page.waitForTimeout(300);
    await shot("compare-searches");
    await expectAccessible();

    // The URL alone brings the comparison back.
    await page.reload();
    await table.waitFor();
    expect(await page.getByRole("checkbox", { name: /^wide-attention/ }).isChecked()).toBe(true);
    expect(await page.getByRole("checkbox", { name: /^cheap-only/ }).isChecked()).toBe(true);

    // Unchoosing one leaves too few, and the URL follows.
    await page.getByRole("checkbox", { name: /^cheap-only/ }).uncheck();
    await page.getByTestId("compare-hint").waitFor();
    expect(new URL(page.url()).searchParams.get("ids")).toBe(strong.id);
    expect(await table.count()).toBe(0);
  });

  it("says so when the URL names a search the team cannot see", async () => {
    await page.goto(`${stack.url}/searches/compare?ids=${strong.id},00000000-0000-4000-8000-000000000000`);
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not one of your team's searches");
    expect(pageErrors).toEqual([]);
  });
});

describe("the searches list", () => {
  it("moves live over server-sent events, without polling", async () => {
    const submit = async (name: string) => {
      const res = await context.request.post(`${stack.url}/v1/searches`, {
        data: seedJob(name),
        headers: { "x-requested-with": "fetch" },
      });
      expect(res.status(), await res.text()).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const first = await submit("live-first");
    const listReads: string[] = [];
    const streams: string[] = [];
    const onResponse = (response: { url(): string; headers(): Record<string, string> }) => {
      const path = new URL(response.url()).pathname;
      if (path === "/v1/searches") listReads.push(response.url());
      if (path === "/v1/searches/events") streams.push(response.headers()["content-type"] ?? "");
    };
    page.on("response", onResponse);
    try {
      await page.goto(`${stack.url}/searches`);
      const row = page.locator(`tr[data-search-id="${first}"]`);
      await expect.poll(() => row.locator(".badge").textContent()).toBe("queued");
      await expect.poll(() => streams.length).toBeGreaterThan(0);
      expect(streams[0]).toContain("text/event-stream");
      // Once the page has settled (its first reads done), nothing but the stream may change it.
      await page.waitForTimeout(1000);
      const reads = listReads.length;

      await stack.db.searches.markRunning(first, "cpu");
      await stack.db.searches.setProgress(first, { phase: "supernet", percent: 40, epoch: 2, epochs: 5 });
      await expect.poll(() => row.locator(".badge").textContent()).toBe("running");
      await expect
        .poll(() => row.getByRole("progressbar").getAttribute("aria-valuenow"), { timeout: 10_000 })
        .toBe("40");
      // Changed in place: the page was not read again, and it is not polled (it was every 3 s).
      await page.waitForTimeout(4000);
      expect(listReads.length, listReads.join("\n")).toBe(reads);
      await shot("searches-live");
      await expectAccessible();

      // A new search appears at the top while the list is open.
      const second = await submit("live-second");
      await page.locator(`tr[data-search-id="${second}"]`).waitFor({ timeout: 10_000 });
      expect(await page.locator("tbody tr").first().getAttribute("data-search-id")).toBe(second);

      await stack.db.searches.cancel(second);
      await stack.db.searches.markSucceeded(first);
      await expect.poll(() => row.locator(".badge").textContent()).toBe("succeeded");
      await expect.poll(() => page.locator(`tr[data-search-id="${second}"] .badge`).textContent()).toBe("cancelled");
      expect(pageErrors).toEqual([]);
    } finally {
      page.off("response", onResponse);
    }
  });
});

// The new-search page's space editor and live check in real Chromium against the real API and Postgres: controls
// and JSON text follow each other both ways, the API checks the job a moment after typing pauses (its messages at
// the controls, the space's size and MACs range and the job's cost shown before submitting), typing is never
// rewritten under the cursor, and a valid job submits. Pages are saved to test-results/screenshots and checked
// with axe.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatCount, formatHugeCount, formatMacs } from "../src/format";
import { PRESETS } from "../src/presets";
import { accessibilityViolations } from "./accessibility";
import { launchChromium, signedInPage } from "./chromium";
import { type Stack, startStack } from "./stack";

const SCREENSHOTS = join(resolve(import.meta.dirname, "../../.."), "test-results", "screenshots");

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function expectAccessible() {
  const violations = await accessibilityViolations(page);
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
}

interface EstimateAnswer {
  valid: boolean;
  issues: { path: string; message: string }[];
  space: { size: string; smallest: { macs: number; params: number }; largest: { macs: number; params: number } };
  estimate: { evaluations: number; trainingMacs: number } | null;
}

/** What the API says of a job, asked as the dashboard asks. */
async function estimateOf(job: unknown): Promise<EstimateAnswer> {
  const response = await context.request.post(`${stack.url}/v1/spaces/estimate`, {
    data: job,
    headers: { "x-requested-with": "fetch" },
  });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as EstimateAnswer;
}

const spaceText = () => page.getByLabel("Search space (vit-space/v1 JSON)");
interface ShownSpace {
  stages: { widths: unknown[]; heads: unknown[]; attention: unknown[]; reduction?: unknown[] }[];
  stem: { patch: { kernel: number } };
  position: unknown[];
  classToken?: boolean;
}
const shownSpace = async () => JSON.parse(await spaceText().inputValue()) as ShownSpace;
const control = (path: string) => page.locator(`#control-${path.replace(/[^A-Za-z0-9]+/g, "-")}`);
const verdict = () => page.getByTestId("estimate-verdict");

/** The job the form holds: the demo preset with the space as the page shows it and the given changes. */
async function formJob(changes: Record<string, unknown> = {}) {
  return { ...structuredClone(PRESETS[0]!.job), space: await shownSpace(), ...changes };
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  stack = await startStack({ worker: false });
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

describe("the new-search page", () => {
  it("shows the space's size, its MACs and parameter range and the job's cost before anything is submitted", async () => {
    await page.goto(`${stack.url}/searches/new`);
    await expect.poll(() => verdict().textContent()).toBe("The job is valid and within the service's limits.");
    const answer = await estimateOf(PRESETS[0]!.job);
    const figures = page.getByTestId("space-figures");
    await expect.poll(() => figures.textContent()).toContain(formatHugeCount(answer.space.size));
    const text = (await figures.textContent()) ?? "";
    expect(text).toContain(`${formatMacs(answer.space.smallest.macs)} – ${formatMacs(answer.space.largest.macs)}`);
    expect(text).toContain(
      `${formatCount(answer.space.smallest.params)} – ${formatCount(answer.space.largest.params)}`,
    );
    const cost = (await page.getByTestId("job-estimate").textContent()) ?? "";
    expect(cost).toContain(answer.estimate!.evaluations.toLocaleString("en-US"));
    expect(cost).toContain(`${formatMacs(answer.estimate!.trainingMacs)} MACs`);
    // The controls show the preset's space.
    expect(await control("space.stages.0.widths").inputValue()).toBe("32, 48, 64");
    expect(await control("space.stages.1.heads").inputValue()).toBe("2, 3, 4");
    expect(await page.getByTestId("stage-1").getByRole("checkbox", { name: "residual" }).isChecked()).toBe(true);
    await shot("new-search-editor");
    await expectAccessible();
  });

  it("moves the JSON text with the controls and the controls with the JSON text", async () => {
    await page.goto(`${stack.url}/searches/new`);
    const widths = control("space.stages.0.widths");
    await widths.fill("32, 48, 80");
    await expect.poll(async () => (await shownSpace()).stages[0]!.widths).toEqual([32, 48, 80]);
    // Typing keeps what was typed, even while it reads as a shorter list.
    await widths.fill("");
    await widths.pressSequentially("16, 32, ");
    expect(await widths.inputValue()).toBe("16, 32, ");
    expect((await shownSpace()).stages[0]!.widths).toEqual([16, 32]);

    // The text, edited by hand, moves the controls.
    const space = await shownSpace();
    space.stages[1]!.heads = [4, 8];
    space.stem.patch.kernel = 4;
    await spaceText().fill(JSON.stringify(space, null, 2));
    await expect.poll(() => control("space.stages.1.heads").inputValue()).toBe("4, 8");
    expect(await control("space.stem.patch.kernel").inputValue()).toBe("4");

    // Stages come and go.
    await page.getByRole("button", { name: "Add stage" }).click();
    await expect.poll(async () => (await shownSpace()).stages.length).toBe(3);
    await page.getByTestId("stage-2").waitFor();
    await page.getByRole("button", { name: "Remove stage 3" }).click();
    await expect.poll(async () => (await shownSpace()).stages.length).toBe(2);
    expect(await page.getByTestId("stage-2").count()).toBe(0);

    // An attention candidate with its parameters: written as an object once one is set.
    await page.getByRole("button", { name: "Add an attention type to stage 1" }).click();
    await expect
      .poll(async () => (await shownSpace()).stages[0]!.attention)
      .toEqual(["softmax", "xnorm", "castling", "performer"]);
    await control("space.stages.0.attention.3").selectOption("linformer");
    await control("space.stages.0.attention.3.k").fill("32");
    await control("space.stages.0.attention.3.shareKV").selectOption({ label: "V is K" });
    await expect
      .poll(async () => (await shownSpace()).stages[0]!.attention[3])
      .toEqual({ type: "linformer", k: 32, shareKV: "kv" });
    await page.getByRole("button", { name: "Remove attention 2 of stage 1" }).click();
    await expect.poll(async () => (await shownSpace()).stages[0]!.attention.length).toBe(3);

    // Positions, reductions and the class token.
    await page.getByRole("group", { name: "Positions" }).getByRole("checkbox", { name: "rope", exact: true }).uncheck();
    await page.getByTestId("stage-1").getByRole("checkbox", { name: "conv" }).check();
    await page.getByRole("checkbox", { name: "Class token" }).uncheck();
    await expect.poll(async () => (await shownSpace()).position).toEqual(["learned"]);
    const edited = await shownSpace();
    expect(edited.stages[1]!.reduction).toEqual(["residual", "none", "conv"]);
    expect(edited.classToken).toBe(false);

    // Every edit is checked: the figures are the API's for the space as it now is.
    const answer = await estimateOf(await formJob());
    expect(answer.valid).toBe(true);
    await expect
      .poll(() => page.getByTestId("space-figures").textContent())
      .toContain(`${formatMacs(answer.space.smallest.macs)} – ${formatMacs(answer.space.largest.macs)}`);
    await shot("new-search-edited");
    await expectAccessible();

    // While the text does not parse, the controls wait for it and the field says why.
    await spaceText().fill('{ "format": "vit-space/v1", ');
    await page.getByText("The controls follow the JSON text again once it reads as a space").waitFor();
    expect(await widths.isDisabled()).toBe(true);
    await expect.poll(() => page.locator("#field-space-error").textContent()).toContain("not valid JSON");
    await spaceText().fill(JSON.stringify(edited, null, 2));
    await expect.poll(() => widths.isDisabled()).toBe(false);
    // The same list as before (what was typed into the control stays as typed while it means the same).
    expect(await widths.inputValue()).toMatch(/^16, 32(, )?$/);
  });

  it("checks the job a moment after typing pauses, with the API's messages at the controls they concern", async () => {
    await page.goto(`${stack.url}/searches/new`);
    await expect.poll(() => verdict().textContent()).toContain("valid");
    const asked: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/v1/spaces/estimate")) asked.push(request.url());
    });
    const widths = control("space.stages.0.widths");
    await widths.fill("");
    await widths.pressSequentially("0, 48, 64, 96", { delay: 20 });
    await expect.poll(() => widths.getAttribute("aria-invalid")).toBe("true");
    // One check for the burst of 13 keystrokes (a slow machine may let a pause through).
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.length).toBeLessThanOrEqual(3);

    const answer = await estimateOf(await formJob());
    const issue = answer.issues.find((i) => i.path === "space.stages[0].widths[0]")!;
    expect(issue).toBeDefined();
    expect(await page.locator("#control-space-stages-0-widths-error").textContent()).toBe(`[0] ${issue.message}`);
    expect(await page.locator("#field-space-error").textContent()).toContain("stages[0].widths[0]");
    expect(await verdict().textContent()).toMatch(/^\d+ problems?, shown at the marked fields\.$/);
    // The space's own figures need a valid space: none is shown for this one.
    expect(await page.getByTestId("space-figures").count()).toBe(0);

    await page.getByLabel("Supernet epochs").fill("0");
    await expect.poll(() => page.getByLabel("Supernet epochs").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#field-supernet-epochs-error").textContent()).toMatch(/>= ?1|at least|minimum/i);
    await shot("new-search-live-errors");
    await expectAccessible();

    // A job over the service's limits is valid but would be refused: the panel says which limit and why.
    await widths.fill("32, 48");
    await page.getByLabel("Supernet epochs").fill("2");
    await page.getByLabel("Population").fill("100000");
    await page.getByLabel("Generations").fill("10000");
    await expect.poll(() => page.getByTestId("estimate-limits").textContent()).toContain("MAX_JOB_EVALUATIONS");
    expect(await verdict().textContent()).toBe("The job is valid but exceeds the service's limits.");
    // A problem no form field holds (the demo's 8 parents need a larger population) is listed in the panel.
    await page.getByLabel("Population").fill("4");
    await page.getByLabel("Generations").fill("1");
    await expect.poll(() => page.getByTestId("estimate-other-issues").textContent()).toContain("search.parents");
    expect(await verdict().textContent()).toBe("1 problem, shown below.");
    await page.getByLabel("Population").fill("24");
    await page.getByLabel("Generations").fill("6");
    await expect.poll(() => verdict().textContent()).toBe("The job is valid and within the service's limits.");

    await page.getByRole("button", { name: "Submit search" }).click();
    await page.waitForURL(/\/searches\/[0-9a-f-]{36}$/);
    const id = page.url().split("/").pop()!;
    const detail = await context.request.get(`${stack.url}/v1/searches/${id}`);
    const job = ((await detail.json()) as { job: { space: { stages: { widths: number[] }[] } } }).job;
    expect(job.space.stages[0]!.widths).toEqual([32, 48]);
    expect(pageErrors).toEqual([]);
  });
});

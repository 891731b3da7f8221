// Uploaded datasets on the new-search page in real Chromium against the real API and Postgres: an archive uploaded
// from the page is checked and listed with its preview and becomes the job's dataset (the space taking its classes),
// the job submits with it, and a refused upload shows the API's reason. Checked with axe.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { folderEntries, tarArchive } from "../../../packages/datasets/test/upload-fixtures";
import { accessibilityViolations } from "./accessibility";
import { launchChromium, signedInPage } from "./chromium";
import { type Stack, startStack } from "./stack";

const SCREENSHOTS = join(resolve(import.meta.dirname, "../../.."), "test-results", "screenshots");
let stack: Stack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  stack = await startStack({ worker: false });
  browser = await launchChromium();
  ({ page } = await signedInPage(browser, stack, pageErrors));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const space = async () =>
  JSON.parse(await page.getByLabel("Search space (vit-space/v1 JSON)").inputValue()) as { input: { classes: number } };
const dataset = async () => JSON.parse(await page.getByLabel("Dataset (JSON)").inputValue()) as Record<string, unknown>;

describe("uploaded datasets on the new-search page", () => {
  it("uploads an archive, lists it with its preview, makes it the job's dataset, and the job submits with it", async () => {
    await page.goto(`${stack.url}/searches/new`);
    await expect.poll(() => page.getByText("No dataset uploaded yet.").count()).toBe(1);
    const archive = await tarArchive(
      await folderEntries("flowers/", ["daisy", "iris", "rose", "tulip", "lily"], 4, 16),
    );
    await page
      .getByLabel("Upload a dataset")
      .setInputFiles({ name: "flowers.tar.gz", mimeType: "application/gzip", buffer: archive });
    const status = page.locator("#dataset-status");
    await expect
      .poll(() => status.textContent())
      .toMatch(/^Accepted flowers: folder, 5 classes, 20 training images, 16 px, colour/);
    const item = page.getByTestId("dataset");
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.getByRole("button").textContent()).toBe("In this job");
    // The preview is the API's PNG, loaded with the session.
    await expect.poll(() => item.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(5 * 32);
    const listed = (await stack.db.datasets.list((await stack.db.teams.findByName(stack.teamName))!.id))[0]!;
    expect(await dataset()).toEqual({ kind: "uploaded", id: listed.id });
    expect((await space()).input.classes).toBe(5);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "new-search-datasets.png"), fullPage: true });

    await page.getByRole("button", { name: "Submit search" }).click();
    await page.waitForURL(/\/searches\/[0-9a-f-]{36}$/);
    const searchId = page.url().split("/").at(-1)!;
    const search = await stack.db.searches.get(searchId, listed.teamId);
    expect(search?.job.dataset).toMatchObject({
      kind: "uploaded",
      id: listed.id,
      sha256: listed.sha256,
      format: "folder",
    });
    expect(pageErrors).toEqual([]);
  });

  it("shows why an upload is refused, and keeps the job's dataset as it was", async () => {
    await page.goto(`${stack.url}/searches/new`);
    const before = await dataset();
    const bad = await tarArchive([
      ...(await folderEntries("", ["a", "b"], 2)),
      { name: "b/readme.txt", data: Buffer.from("hi") },
    ]);
    await page
      .getByLabel("Upload a dataset")
      .setInputFiles({ name: "bad.tar.gz", mimeType: "application/gzip", buffer: bad });
    const alert = page.getByRole("alert");
    await expect
      .poll(() => alert.textContent())
      .toBe("Not accepted: b/readme.txt: not an image (a class folder holds PNG/JPEG files only)");
    expect(await dataset()).toEqual(before);
    // The earlier upload is offered for the job.
    await page.getByRole("button", { name: "Use flowers" }).click();
    expect((await dataset()).kind).toBe("uploaded");
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});

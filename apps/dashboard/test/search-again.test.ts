// "Search again with another MACs budget" in real Chromium against the real API and Postgres: on a finished search
// whose super-network is recorded, the budget picked (typed here) becomes a new search of the same job with
// `supernet.from` naming it and the budget as `search.constraints.macs.max`, and the page moves to it; on a search
// without a recorded super-network the API's 404 is shown, naming supernet.from.
import { spaceHash, supernetRecipeHash } from "@vitnas/formats";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations } from "./accessibility";
import { launchChromium, signedInPage } from "./chromium";
import { type SeededSearch, seedJob, seedSearch } from "./seed";
import { type Stack, startStack } from "./stack";

let stack: Stack;
let browser: Browser;
let page: Page;
let trained: SeededSearch;
let untrained: SeededSearch;
const pageErrors: string[] = [];

beforeAll(async () => {
  stack = await startStack({ worker: false });
  trained = await seedSearch(stack.url, stack.apiKey, stack.db, seedJob("trained once"), { count: 60 });
  untrained = await seedSearch(stack.url, stack.apiKey, stack.db, seedJob("no supernet"), { count: 20, seed: 2 });
  const { job } = trained;
  const teamId = (await stack.db.teams.findByName(stack.teamName))!.id;
  await stack.db.supernets.record({
    teamId,
    searchId: trained.id,
    spaceHash: spaceHash(job.space),
    datasetFingerprint: "seeded",
    recipeHash: supernetRecipeHash(job),
    checkpoint: "step8-0123456789abcdef",
    location: `searches/${trained.id}/work/supernet`,
    epochs: 1,
    largest: { accuracy: 0.8, macs: 9_000_000 },
    smallest: { accuracy: 0.5, macs: 1_000_000 },
  });
  browser = await launchChromium();
  ({ page } = await signedInPage(browser, stack, pageErrors));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("search again with another MACs budget", () => {
  it("submits the job on this search's super-network under the budget and opens the new search", async () => {
    await page.goto(`${stack.url}/searches/${trained.id}`);
    const form = page.getByRole("form", { name: "Search again with another MACs budget" });
    await form.waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await form.getByLabel("MACs budget (millions)").fill("2.5");
    await form.getByRole("button", { name: "Search again" }).click();
    await page.waitForURL(
      (url) => /\/searches\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(trained.id),
    );
    const newId = page.url().split("/").at(-1)!;
    const created = await stack.db.searches.get(newId);
    expect(created?.job.supernet.from).toBe(trained.id);
    expect(created?.job.search.constraints.macs?.max).toBe(2_500_000);
    expect(created?.job.space).toEqual(trained.job.space);
    expect(created?.name).toBe("trained once under 2.50 M MACs");
    await page.getByRole("heading", { name: /trained once under 2\.50 M MACs/ }).waitFor();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it("shows the API's refusal, naming supernet.from, for a search whose super-network is not recorded", async () => {
    await page.goto(`${stack.url}/searches/${untrained.id}`);
    const form = page.getByRole("form", { name: "Search again with another MACs budget" });
    await form.getByLabel("MACs budget (millions)").fill("1");
    await form.getByRole("button", { name: "Search again" }).click();
    const alert = form.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^supernet\.from: no trained super-network/);
    expect(page.url()).toContain(untrained.id);
  }, 60_000);
});

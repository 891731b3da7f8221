// An architecture's downloads and measured latency in real Chromium against the real API and Postgres: the front
// table and the architecture page show each front architecture's latency in ONNX Runtime beside its MACs (as the
// worker records it), and the architecture page offers its download as the bundle (tfjs weights), ONNX or
// safetensors; the files the browser receives are a real bundle's, converted by the API (the ONNX file runs in ONNX
// Runtime, the safetensors file holds the model's tensors). The page is checked with axe.

import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { searchKey } from "@vitnas/artifacts";
import { decodeSafetensors } from "@vitnas/export";
import { extract, initBackend, Supernet } from "@vitnas/supernet";
import * as ort from "onnxruntime-node";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatLatency, formatMacs } from "../src/format";
import { accessibilityViolations } from "./accessibility";
import { launchChromium, signedInPage } from "./chromium";
import { type SeededSearch, seedJob, seedSearch } from "./seed";
import { type Stack, startStack } from "./stack";

const SCREENSHOTS = join(resolve(import.meta.dirname, "../../.."), "test-results", "screenshots");

let stack: Stack;
let browser: Browser;
let page: Page;
let search: SeededSearch;
let front: { id: string; macs: number }[];
let scratch: string;
const pageErrors: string[] = [];

/** A measured latency per front architecture, cheapest first, as the worker records it. */
const latencyOf = (i: number) => ({ medianMs: 1.25 + i, p90Ms: 1.5 + i, threads: 1, runs: 50, cpu: "Test CPU" });

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  await initBackend({ force: "cpu", log: null });
  stack = await startStack({ worker: false });
  search = await seedSearch(stack.url, stack.apiKey, stack.db, seedJob("downloads"), { count: 40 });
  front = ((await stack.db.fronts.latest(search.id))?.points ?? []).sort((a, b) => a.macs - b.macs);
  await stack.db.frontLatencies.replace(
    search.id,
    front.map((p, i) => ({ id: p.id, ...latencyOf(i) })),
  );
  // The cheapest front architecture's bundle, a real model with its preprocessing, stored as the worker stores it.
  scratch = await mkdtemp(join(tmpdir(), "dashboard-downloads-"));
  const cheapest = search.candidates.find((c) => c.id === front[0]!.id)!;
  const net = Supernet.create(search.job.space, { seed: 2 });
  const model = extract(net, cheapest.arch as never);
  net.dispose();
  const dir = join(scratch, "bundle");
  await model.save(dir);
  model.dispose();
  const { input } = search.job.space;
  await writeFile(
    join(dir, "preprocessing.json"),
    JSON.stringify({
      format: "vitnas-preprocessing/v1",
      imageSize: input.imageSize,
      channels: input.channels,
      classNames: Array.from({ length: input.classes }, (_, i) => `class ${i}`),
      normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    }),
  );
  for (const name of await readdir(dir)) {
    const stored = await stack.artifacts.put(
      searchKey(search.id, "out", "architectures", cheapest.id, name),
      await readFile(join(dir, name)),
    );
    await stack.db.artifacts.record({
      searchId: search.id,
      archHash: cheapest.id,
      kind: "bundle",
      path: stored.key,
      size: stored.size,
      sha256: stored.sha256,
    });
  }
  browser = await launchChromium();
  ({ page } = await signedInPage(browser, stack, pageErrors, { acceptDownloads: true }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("measured latency and download formats", () => {
  it("shows each front architecture's latency beside its MACs", async () => {
    expect(front.length).toBeGreaterThan(1);
    await page.goto(`${stack.url}/searches/${search.id}`);
    const cells = page.getByTestId("front-latency");
    await cells.first().waitFor();
    expect(await cells.count()).toBe(front.length);
    for (const [i, p] of front.entries()) {
      const l = latencyOf(i);
      expect(await cells.nth(i).textContent()).toBe(formatLatency(l.medianMs, l.p90Ms, l.threads));
      // The MACs column sits just before it.
      const macs = await cells.nth(i).evaluate((cell) => cell.previousElementSibling?.textContent);
      expect(macs).toBe(formatMacs(p.macs));
    }
    expect(await page.getByRole("columnheader", { name: "Latency, ONNX Runtime (CPU, batch 1)" }).count()).toBe(1);
  });

  it("offers the bundle, ONNX and safetensors on the architecture page, each a real file", async () => {
    const archId = front[0]!.id;
    const path = `/v1/searches/${search.id}/architectures/${archId}`;
    await page.goto(`${stack.url}/searches/${search.id}/architectures/${archId}`);
    await page.getByTestId("latency").waitFor();
    expect(await page.getByTestId("latency").textContent()).toBe("1.25 ms, p90 1.50 (1 thread) over 50 runs");
    const format = page.getByLabel("Format");
    expect(await format.inputValue()).toBe("bundle");
    await page.screenshot({ path: join(SCREENSHOTS, "architecture-downloads.png"), fullPage: true });
    const violations = await accessibilityViolations(page);
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);

    const download = async (name: string) => {
      const link = page.getByRole("link", { name });
      const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
      return {
        href: await link.getAttribute("href"),
        name: file.suggestedFilename(),
        bytes: readFileSync(await file.path()),
      };
    };
    const bundle = await download("Download bundle");
    expect(bundle.href).toBe(`${path}/download`);
    expect(bundle.name).toMatch(/\.tar\.gz$/);
    expect(gunzipSync(bundle.bytes).toString("latin1")).toContain("weights.bin");

    await format.selectOption("onnx");
    expect(await page.getByTestId("download-format-note").textContent()).toContain("ONNX model (opset 17");
    const onnx = await download("Download ONNX");
    expect(onnx.href).toBe(`${path}/download?format=onnx`);
    expect(onnx.name).toBe(`${archId}.onnx`);
    const session = await ort.InferenceSession.create(new Uint8Array(onnx.bytes));
    try {
      const { imageSize: s, channels: c, classes } = search.job.space.input;
      const out = await session.run({
        images: new ort.Tensor("float32", new Float32Array(2 * c * s * s), [2, c, s, s]),
      });
      expect(out.logits!.dims).toEqual([2, classes]);
    } finally {
      await session.release();
    }

    await format.selectOption("safetensors");
    const safetensors = await download("Download safetensors");
    expect(safetensors.href).toBe(`${path}/download?format=safetensors`);
    expect(safetensors.name).toBe(`${archId}.safetensors`);
    const decoded = decodeSafetensors(new Uint8Array(safetensors.bytes));
    // The bundle's own tensors, under the names of its weights.json.
    const stored = await readFile(join(scratch, "bundle", "weights.json"), "utf8");
    expect(decoded.tensors.length).toBeGreaterThan(0);
    for (const t of decoded.tensors) expect(stored).toContain(`"${t.name}"`);
    expect(pageErrors).toEqual([]);
  });
});

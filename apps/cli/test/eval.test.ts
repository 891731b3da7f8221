import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root, runCli } from "./run-cli";

const scratch = mkdtempSync(join(tmpdir(), "nas-eval-"));
const out = join(scratch, "out");
const job = join(root, "examples/tiny.json");
let bundles: string[];

beforeAll(async () => {
  const run = await runCli(["search", job, "--out", out, "--json", "--backend", "wasm"]);
  expect(run.code, run.stderr).toBe(0);
  bundles = readdirSync(join(out, "architectures")).map((id) => join(out, "architectures", id));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("nas eval", () => {
  it("reproduces metrics.json exactly on the search's split, from the job or its dataset section", async () => {
    expect(bundles.length).toBeGreaterThan(0);
    const dataset = join(scratch, "dataset.json");
    writeFileSync(dataset, JSON.stringify({ dataset: JSON.parse(readFileSync(job, "utf8")).dataset }));
    for (const bundle of bundles) {
      const { accuracy } = JSON.parse(readFileSync(join(bundle, "metrics.json"), "utf8"));
      for (const file of [job, dataset]) {
        const run = await runCli(["eval", bundle, "--dataset", file, "--backend", "wasm"]);
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout)).toEqual({ accuracy });
      }
    }
  });

  it("measures the test split with --split test, val by default or when asked", async () => {
    const bundle = bundles[0]!;
    const { accuracy } = JSON.parse(readFileSync(join(bundle, "metrics.json"), "utf8"));
    const val = await runCli(["eval", bundle, "--dataset", job, "--split", "val", "--backend", "wasm"]);
    expect(JSON.parse(val.stdout)).toEqual({ accuracy });
    // A test split of 3 images can only score a multiple of 1/3: the count proves which split was measured.
    const dataset = join(scratch, "test-split.json");
    writeFileSync(dataset, JSON.stringify({ dataset: { ...JSON.parse(readFileSync(job, "utf8")).dataset, test: 3 } }));
    const test = await runCli(["eval", bundle, "--dataset", dataset, "--split", "test", "--backend", "wasm"]);
    expect(test.code, test.stderr).toBe(0);
    const measured = JSON.parse(test.stdout).accuracy;
    expect([0, 1, 2, 3].map((k) => k / 3)).toContain(measured);
    const bad = await runCli(["eval", bundle, "--dataset", job, "--split", "train"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--split: "train" is not one of val, test');
  });

  it("exits 2 for a bundle or a dataset that is not there", async () => {
    const noBundle = await runCli(["eval", join(scratch, "nothing"), "--dataset", job]);
    expect(noBundle.code).toBe(2);
    expect(noBundle.stderr).toContain("does not exist");
    const missing = join(scratch, "folder.json");
    writeFileSync(missing, JSON.stringify({ dataset: { kind: "folder", path: join(scratch, "no-images") } }));
    const noData = await runCli(["eval", bundles[0]!, "--dataset", missing]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/dataset\.path: .*no-images does not exist/);
  });
});

describe("nas predict", () => {
  it("prints the most likely classes of an image with the bundle's class names", async () => {
    const image = join(scratch, "image.png");
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 30, b: 90 } } })
      .png()
      .toFile(image);
    const bundle = bundles[0]!;
    const { classNames } = JSON.parse(readFileSync(join(bundle, "preprocessing.json"), "utf8"));
    const run = await runCli(["predict", bundle, image, "--json", "--backend", "wasm"]);
    expect(run.code, run.stderr).toBe(0);
    const top = JSON.parse(run.stdout) as { class: string; probability: number }[];
    expect(top.length).toBe(Math.min(5, classNames.length));
    expect(top.every((t) => classNames.includes(t.class))).toBe(true);
    const probabilities = top.map((t) => t.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    if (classNames.length <= 5) expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    const text = await runCli(["predict", bundle, image, "--backend", "wasm"]);
    expect(text.stdout.trim().split("\n")).toHaveLength(top.length);
    const missing = await runCli(["predict", bundle, join(scratch, "none.png")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("does not exist");
  });
});

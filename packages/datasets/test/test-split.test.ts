// The test split of every dataset kind: never part of train or val, and adding it left the train and val splits
// (and so the fingerprints that key cached evaluations) of the synthetic and cifar10 kinds as they were.
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSynthetic, loadDataset } from "../src/index";

const scratch = mkdtempSync(join(tmpdir(), "test-split-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const imageBytes = (images: Float32Array, i: number, size: number) =>
  Buffer.from(images.buffer, images.byteOffset + i * size * 4, size * 4);
/** How many images of `a` also appear in `b`. */
function shared(a: { images: Float32Array; count: number }, b: { images: Float32Array; count: number }): number {
  const size = a.images.length / a.count;
  const seen = new Set(Array.from({ length: b.count }, (_, i) => imageBytes(b.images, i, size).toString("hex")));
  return Array.from({ length: a.count }, (_, i) => imageBytes(a.images, i, size).toString("hex")).filter((x) =>
    seen.has(x),
  ).length;
}

describe("synthetic", () => {
  const spec = { kind: "synthetic" as const, classes: 3, imageSize: 8, channels: 3, train: 30, val: 12, seed: 5 };

  it("generates its own test split from a separate stream, leaving train, val and the fingerprint as they were", async () => {
    const data = await loadDataset({ ...spec, test: 9 });
    expect(data.test.count).toBe(9);
    expect([...data.test.labels].sort()).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const raw = generateSynthetic({ ...spec, count: 9 }, "test");
    const { mean, std } = data.normalization;
    expect(data.test.images[5]! * std[2]! + mean[2]!).toBeCloseTo(raw.images[5]!, 5);
    expect(shared(data.test, data.train) + shared(data.test, data.val)).toBe(0);
    // Computed by the loader before the test split existed.
    expect(data.fingerprint).toBe("synthetic-cd64343b83cc7365");
    expect((await loadDataset({ ...spec, test: 20 })).fingerprint).toBe(data.fingerprint);
  });
});

describe("cifar10", () => {
  const RECORD = 1 + 3072;
  const dir = join(scratch, "cifar");
  const writeBatch = (name: string, count: number, offset: number) => {
    const bytes = Buffer.alloc(count * RECORD);
    for (let r = 0; r < count; r++) {
      bytes[r * RECORD] = (r + offset) % 10;
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 1024; p++) bytes[r * RECORD + 1 + c * 1024 + p] = (r * 3 + offset + 11 * c + p) % 256;
      }
    }
    writeFileSync(join(dir, name), bytes);
  };
  mkdirSync(dir);
  writeBatch("data_batch_1.bin", 60, 0);
  writeBatch("test_batch.bin", 20, 500);
  const spec = { kind: "cifar10" as const, path: dir, train: 30, val: 20, test: 10, seed: 2 };

  it("reads test_batch.bin when present, with train, val and the fingerprint as before", async () => {
    const data = await loadDataset(spec);
    expect([data.train.count, data.val.count, data.test.count]).toEqual([30, 20, 20]);
    expect(data.fingerprint).toBe("cifar10-d920cf52416c77d7");
  });

  it("without test_batch.bin holds a stratified test split out of the training batches, after val", async () => {
    const withFile = await loadDataset({ ...spec, train: undefined });
    const bare = join(scratch, "cifar-bare");
    cpSync(dir, bare, { recursive: true });
    renameSync(join(bare, "test_batch.bin"), join(bare, "test_batch.bin.moved"));
    const data = await loadDataset({ ...spec, path: bare, train: undefined });
    expect([data.train.count, data.val.count, data.test.count]).toEqual([30, 20, 10]);
    expect(data.val.labels).toEqual(withFile.val.labels);
    expect(shared(data.val, withFile.val)).toBe(20);
    expect(new Set(data.test.labels).size).toBe(10);
    expect(shared(data.test, data.train) + shared(data.test, data.val)).toBe(0);
    await expect(loadDataset({ ...spec, path: bare, test: 40 })).rejects.toThrow(/dataset\.test: 40 test images/);
  });
});

describe("folder", () => {
  const COLOURS = { cyan: { r: 0, g: 255, b: 255 }, magenta: { r: 255, g: 0, b: 255 } };
  /** `count` distinct images a class under `dir`: the class colour, darker for each image. */
  const writeFolder = async (dir: string, count: number, classes = Object.keys(COLOURS)) => {
    for (const name of classes) {
      mkdirSync(join(dir, name), { recursive: true });
      const { r, g, b } = COLOURS[name as keyof typeof COLOURS] ?? { r: 9, g: 9, b: 9 };
      for (let i = 0; i < count; i++) {
        const background = { r: r && r - 10 * i, g: g && g - 10 * i, b: b && b - 10 * i };
        await sharp({ create: { width: 6, height: 6, channels: 3, background } })
          .png()
          .toFile(join(dir, name, `${i}.png`));
      }
    }
  };
  const base = { kind: "folder" as const, imageSize: 4, val: 0.25, test: 0.2, seed: 3 };
  beforeAll(async () => {
    await writeFolder(join(scratch, "train"), 10);
    await writeFolder(join(scratch, "test"), 3);
    await writeFolder(join(scratch, "other"), 3, ["cyan", "yellow"]);
  });

  it("holds a stratified fraction out before the validation split", async () => {
    const data = await loadDataset({ ...base, path: join(scratch, "train") });
    // 10 a class: 2 to test, then 2 of the other 8 to validation.
    expect([data.train.count, data.val.count, data.test.count]).toEqual([12, 4, 4]);
    expect([...data.test.labels].sort()).toEqual([0, 0, 1, 1]);
    expect(shared(data.test, data.train) + shared(data.test, data.val)).toBe(0);
  });

  it("reads testPath instead, with the same class names, and then holds nothing else out", async () => {
    const data = await loadDataset({ ...base, path: join(scratch, "train"), testPath: join(scratch, "test") });
    expect([data.train.count, data.val.count, data.test.count]).toEqual([14, 6, 6]);
    expect([...data.test.labels].sort()).toEqual([0, 0, 0, 1, 1, 1]);
    const other = { ...base, path: join(scratch, "train"), testPath: join(scratch, "other") };
    await expect(loadDataset(other)).rejects.toThrow(/dataset\.testPath: .*other has classes cyan, yellow, but/);
    const missing = { ...base, path: join(scratch, "train"), testPath: join(scratch, "none") };
    await expect(loadDataset(missing)).rejects.toThrow(/dataset\.testPath: .*none does not exist/);
  });
});

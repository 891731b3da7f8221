import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CIFAR10_CLASSES, loadDataset } from "../src/index";

const scratch = mkdtempSync(join(tmpdir(), "cifar-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const RECORD = 1 + 3072;

/** A batch file of `count` records: label i % 10, pixel values derived from (record, channel, position). */
function writeBatch(dir: string, name: string, count: number, offset: number): void {
  const bytes = Buffer.alloc(count * RECORD);
  for (let r = 0; r < count; r++) {
    bytes[r * RECORD] = (r + offset) % 10;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) bytes[r * RECORD + 1 + c * 1024 + p] = (r + offset + 7 * c + p) % 256;
    }
  }
  writeFileSync(join(dir, name), bytes);
}

function makeCifar(name: string, batches: number, perBatch: number): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  for (let b = 1; b <= batches; b++) writeBatch(dir, `data_batch_${b}.bin`, perBatch, (b - 1) * perBatch);
  writeBatch(dir, "test_batch.bin", 20, 1000);
  return dir;
}

describe("cifar10", () => {
  const dir = makeCifar("full", 2, 50);

  it("decodes CHW records to NHWC, holds out a stratified validation split, keeps the test batch", async () => {
    const data = await loadDataset({ kind: "cifar10", path: dir, val: 20, test: 10, seed: 1 });
    expect(data.classNames).toEqual(CIFAR10_CLASSES);
    expect(data.train.count + data.val.count).toBe(100);
    expect(data.val.count).toBe(20);
    expect(data.test.count).toBe(20);
    // Stratified: 10 classes of 10 images each give 2 validation images per class.
    const perClass = new Array(10).fill(0);
    for (const label of data.val.labels) perClass[label]++;
    expect(perClass).toEqual(new Array(10).fill(2));
    // Undo the normalisation of one training image and compare with the bytes written.
    const { mean, std } = data.normalization;
    const label = data.train.labels[0]!;
    const image = data.train.images.subarray(0, 3072);
    const pixel = (p: number, c: number) => Math.round((image[p * 3 + c]! * std[c]! + mean[c]!) * 255);
    // Records have label r % 10 and pixel (r + 7c + p) % 256: find r from the first pixel of channel 0.
    const r = pixel(0, 0);
    expect(r % 10).toBe(label);
    for (const [p, c] of [
      [5, 0],
      [100, 1],
      [1023, 2],
    ] as const) {
      expect(pixel(p, c)).toBe((r + 7 * c + p) % 256);
    }
  });

  it("normalises with training statistics only, caps the training split, and is deterministic", async () => {
    const a = await loadDataset({ kind: "cifar10", path: dir, val: 20, test: 10, train: 40, seed: 3 });
    const b = await loadDataset({ kind: "cifar10", path: dir, val: 20, test: 10, train: 40, seed: 3 });
    const c = await loadDataset({ kind: "cifar10", path: dir, val: 20, test: 10, train: 40, seed: 4 });
    expect(a.train.count).toBe(40);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.val.labels).toEqual(b.val.labels);
    expect(c.fingerprint).not.toBe(a.fingerprint);
    const channelMean = (images: Float32Array, k: number) => {
      let sum = 0;
      for (let i = k; i < images.length; i += 3) sum += images[i]!;
      return sum / (images.length / 3);
    };
    for (let k = 0; k < 3; k++) expect(channelMean(a.train.images, k)).toBeCloseTo(0, 4);
  });

  it("says what is wrong: a missing path, no batches, a torn batch, a class mismatch, too large a split", async () => {
    await expect(
      loadDataset({ kind: "cifar10", path: join(scratch, "nope"), val: 10, test: 10, seed: 0 }),
    ).rejects.toThrow(/dataset\.path: .*nope does not exist/);
    const empty = join(scratch, "empty");
    mkdirSync(empty);
    await expect(loadDataset({ kind: "cifar10", path: empty, val: 10, test: 10, seed: 0 })).rejects.toThrow(
      /no CIFAR-10 training batch/,
    );
    const torn = join(scratch, "torn");
    mkdirSync(torn);
    writeFileSync(join(torn, "data_batch_1.bin"), Buffer.alloc(RECORD * 3 + 5));
    await expect(loadDataset({ kind: "cifar10", path: torn, val: 1, test: 10, seed: 0 })).rejects.toThrow(
      /not a multiple of 3073/,
    );
    await expect(
      loadDataset({ kind: "cifar10", path: dir, val: 10, test: 10, seed: 0 }, { classes: 100 }),
    ).rejects.toThrow(/has 10 classes but the search space's input.classes is 100/);
    await expect(loadDataset({ kind: "cifar10", path: dir, val: 100, test: 10, seed: 0 })).rejects.toThrow(
      /dataset\.val/,
    );
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { IdxDatasetSpec } from "@vitnas/formats";
import { afterAll, describe, expect, it } from "vitest";
import { FASHION_MNIST_CLASSES, loadDataset, readIdx, resizeBilinear } from "../src/index";
import { idxBytes, pixelOf, writeIdxSet } from "./idx-fixture";

const scratch = mkdtempSync(join(tmpdir(), "idx-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const spec = (path: string, more: Partial<IdxDatasetSpec> = {}): IdxDatasetSpec => ({
  kind: "idx",
  path,
  val: 8,
  imageSize: 4,
  seed: 1,
  ...more,
});
/** 4 classes: 40 training images (10 a class), 12 test images, 4x4 pixels. */
const plain = join(scratch, "plain");
writeIdxSet(plain, { train: 40, test: 12, classes: 4 });

/** Undoes the normalisation of pixel `p`, channel `c` of image `i`, back to the byte it was read from. */
const byteOf = (data: Awaited<ReturnType<typeof loadDataset>>, split: "train" | "val" | "test", i: number, p = 0) => {
  const s = data[split];
  const c = s.channels;
  const v = s.images[(i * s.imageSize * s.imageSize + p) * c]!;
  return Math.round((v * data.normalization.std[0]! + data.normalization.mean[0]!) * 255);
};

describe("readIdx", () => {
  it("reads the header's dims and the bytes, plain or gzipped", async () => {
    const file = join(scratch, "labels");
    writeFileSync(file, idxBytes([5], [0, 1, 2, 3, 4]));
    writeFileSync(`${file}.gz`, gzipSync(readFileSync(file)));
    for (const f of [file, `${file}.gz`]) {
      const { dims, data } = await readIdx(f);
      expect(dims).toEqual([5]);
      expect([...data]).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it("names the file of a bad magic, an unsupported type or a truncated body", async () => {
    const write = (name: string, bytes: Buffer) => {
      writeFileSync(join(scratch, name), bytes);
      return join(scratch, name);
    };
    const magic = write("magic-idx3-ubyte", Buffer.from([1, 0, 8, 1, 0, 0, 0, 1, 7]));
    await expect(readIdx(magic)).rejects.toThrow(/magic-idx3-ubyte: not an IDX file/);
    const float = write("float-idx1-ubyte", idxBytes([1], [0, 0, 0, 0], 0x0d));
    await expect(readIdx(float)).rejects.toThrow(/float-idx1-ubyte: unsupported IDX element type 0x0d/);
    const images = write("short-images-idx3-ubyte", idxBytes([2, 4, 4], new Array(31).fill(9)));
    await expect(readIdx(images)).rejects.toThrow(/short-images-idx3-ubyte: truncated: .*2x4x4 = 32 bytes .* 31/);
    const labels = write("short-labels-idx1-ubyte.gz", gzipSync(idxBytes([3], [0, 1])));
    await expect(readIdx(labels)).rejects.toThrow(/short-labels-idx1-ubyte\.gz: truncated/);
    const header = write("header-idx3-ubyte", Buffer.from([0, 0, 8, 3, 0, 0]));
    await expect(readIdx(header)).rejects.toThrow(/header-idx3-ubyte: truncated IDX header/);
  });
});

describe("idx datasets", () => {
  it("splits stratified train and val out of the training files and keeps the t10k files as the test split", async () => {
    const data = await loadDataset(spec(plain), { channels: 1, imageSize: 4, classes: 4 });
    expect([data.train.count, data.val.count, data.test.count]).toEqual([32, 8, 12]);
    expect(data.classNames).toEqual(["0", "1", "2", "3"]);
    expect(data.train.channels).toBe(1);
    const perClass = [0, 0, 0, 0];
    for (const label of data.val.labels) perClass[label]!++;
    expect(perClass).toEqual([2, 2, 2, 2]);
    // The test split is the t10k file in its order, normalised with the training statistics.
    expect([...data.test.labels]).toEqual(Array.from({ length: 12 }, (_, i) => i % 4));
    for (const p of [0, 5, 15]) expect(byteOf(data, "test", 3, p)).toBe(pixelOf(3, p, 100));
    // A training image is one of the file's: its first pixel says which, the label agrees.
    const source = (split: "train" | "val", n: number) =>
      [...Array(40).keys()].find((i) => [0, 1, 2, 15].every((p) => byteOf(data, split, n, p) === pixelOf(i, p, 0)));
    for (const [split, n] of [
      ["train", 0],
      ["train", 31],
      ["val", 7],
    ] as const) {
      expect(data[split].labels[n]).toBe(source(split, n)! % 4);
    }
  });

  it("caps train and test, stratified, without touching val", async () => {
    const all = await loadDataset(spec(plain));
    const capped = await loadDataset(spec(plain, { train: 20, test: 8 }));
    expect([capped.train.count, capped.val.count, capped.test.count]).toEqual([20, 8, 8]);
    expect(capped.val.labels).toEqual(all.val.labels);
    const perClass = [0, 0, 0, 0];
    for (const label of capped.test.labels) perClass[label]!++;
    expect(perClass).toEqual([2, 2, 2, 2]);
    // Where the files are and how much of the test split is used leave the fingerprint alone.
    expect((await loadDataset(spec(plain, { test: 4 }))).fingerprint).toBe(all.fingerprint);
    expect(capped.fingerprint).not.toBe(all.fingerprint);
  });

  it("reads gzipped files alike and resizes bilinearly into three replicated channels", async () => {
    const gz = join(scratch, "gz");
    writeIdxSet(gz, { train: 40, test: 12, classes: 4, gzip: true });
    const plainData = await loadDataset(spec(plain));
    expect((await loadDataset(spec(gz))).fingerprint).toBe(plainData.fingerprint);
    const big = await loadDataset(spec(gz, { imageSize: 6 }), { channels: 3, imageSize: 6 });
    expect([big.test.imageSize, big.test.channels]).toEqual([6, 3]);
    const native = Float32Array.from({ length: 16 }, (_, p) => pixelOf(5, p, 100) / 255);
    const want = resizeBilinear(native, 4, 4, 6, 6);
    const { mean, std } = big.normalization;
    for (const p of [0, 7, 20, 35]) {
      for (let c = 0; c < 3; c++) {
        const v = big.test.images[(5 * 36 + p) * 3 + c]! * std[c]! + mean[c]!;
        expect(v).toBeCloseTo(want[p]!, 5);
      }
    }
  });

  it("finds EMNIST's file names, and takes explicit names relative to the directory or absolute", async () => {
    const emnist = join(scratch, "emnist");
    writeIdxSet(emnist, { train: 30, test: 6, classes: 3, prefix: "emnist-digits-", testName: "test", gzip: true });
    const data = await loadDataset(spec(emnist, { val: 6 }));
    expect([data.train.count, data.val.count, data.test.count]).toEqual([24, 6, 6]);
    writeIdxSet(emnist, { train: 30, test: 6, classes: 3, prefix: "emnist-letters-", testName: "test" });
    await expect(loadDataset(spec(emnist))).rejects.toThrow(/several EMNIST splits \(digits, letters\)/);
    const named = await loadDataset(
      spec(emnist, {
        val: 6,
        trainImages: "emnist-letters-train-images-idx3-ubyte",
        trainLabels: join(emnist, "emnist-letters-train-labels-idx1-ubyte"),
        testImages: "emnist-letters-test-images-idx3-ubyte",
        testLabels: "emnist-letters-test-labels-idx1-ubyte",
      }),
    );
    expect(named.fingerprint).toBe(data.fingerprint);
  });

  it("names classes from classes.txt, Fashion-MNIST's for a fashion directory, else by number", async () => {
    const fashion = join(scratch, "fashion-mnist");
    writeIdxSet(fashion, { train: 30, test: 10, classes: 10 });
    expect((await loadDataset(spec(fashion, { val: 10 }))).classNames).toEqual(FASHION_MNIST_CLASSES);
    const named = join(scratch, "named");
    writeIdxSet(named, { train: 30, test: 6, classes: 3 });
    writeFileSync(join(named, "classes.txt"), "alpha\nbeta\ngamma\n");
    expect((await loadDataset(spec(named, { val: 6 }))).classNames).toEqual(["alpha", "beta", "gamma"]);
    writeFileSync(join(named, "classes.txt"), "alpha\nbeta\n");
    await expect(loadDataset(spec(named, { val: 6 }))).rejects.toThrow(/classes\.txt: 2 names for 3 classes/);
  });

  it("says which file is wrong: missing, mismatched counts, non-square, bad labels, too large a split", async () => {
    const dir = (name: string) => {
      const d = join(scratch, name);
      writeIdxSet(d, { train: 20, test: 4, classes: 2 });
      return d;
    };
    await expect(loadDataset(spec(join(scratch, "nowhere")))).rejects.toThrow(
      /dataset\.path: .*nowhere does not exist/,
    );
    const missing = dir("missing");
    rmSync(join(missing, "t10k-labels-idx1-ubyte"));
    await expect(loadDataset(spec(missing))).rejects.toThrow(
      /has no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte\.gz/,
    );
    const empty = join(scratch, "empty");
    mkdirSync(empty);
    await expect(loadDataset(spec(empty))).rejects.toThrow(/no train-images-idx3-ubyte .*emnist-<split>/);
    await expect(loadDataset(spec(dir("given"), { testLabels: "nope" }))).rejects.toThrow(
      /dataset\.testLabels: .*given\/nope does not exist/,
    );
    const counts = dir("counts");
    writeFileSync(join(counts, "train-labels-idx1-ubyte"), idxBytes([19], new Array(19).fill(0)));
    await expect(loadDataset(spec(counts))).rejects.toThrow(
      /train-labels-idx1-ubyte: 19 labels, but .*train-images-idx3-ubyte holds 20 images/,
    );
    const oblong = dir("oblong");
    writeFileSync(join(oblong, "t10k-images-idx3-ubyte"), idxBytes([4, 4, 2], new Array(32).fill(0)));
    await expect(loadDataset(spec(oblong))).rejects.toThrow(/t10k-images-idx3-ubyte: images are 4x2, not square/);
    const gaps = dir("gaps");
    writeFileSync(
      join(gaps, "train-labels-idx1-ubyte"),
      idxBytes(
        [20],
        new Array(20).fill(0).map((_, i) => 2 * (i % 2)),
      ),
    );
    await expect(loadDataset(spec(gaps))).rejects.toThrow(
      /train-labels-idx1-ubyte: labels must be 0\.\.classes-1.*without 1/,
    );
    const outside = dir("outside");
    writeFileSync(join(outside, "t10k-labels-idx1-ubyte"), idxBytes([4], [0, 1, 5, 0]));
    await expect(loadDataset(spec(outside))).rejects.toThrow(/t10k-labels-idx1-ubyte: label 5 \(item 2\) is outside/);
    await expect(loadDataset(spec(plain, { val: 40 }))).rejects.toThrow(/dataset\.val: 40 .* holds only 40/);
  });
});

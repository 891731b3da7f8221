// The cifar100 (binary version, fine or coarse labels) and npz (NumPy arrays, NHW or NHWC) kinds, with their test
// splits, on small files the test writes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES, loadDataset, parseNpy } from "../src/index";
import { cifar100Bytes, npyBytes, npzArrays, zipArchive } from "./upload-fixtures";

const scratch = mkdtempSync(join(tmpdir(), "cifar100-npz-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Undoes the normalisation of pixel `p`, channel `c` of a split's image `i` back to its byte. */
const byteOf = (
  split: { images: Float32Array; imageSize: number; channels: number },
  norm: { mean: number[]; std: number[] },
  i: number,
  p: number,
  c: number,
) => {
  const at = (i * split.imageSize * split.imageSize + p) * split.channels + c;
  return Math.round((split.images[at]! * norm.std[c]! + norm.mean[c]!) * 255);
};

describe("cifar100", () => {
  const dir = join(scratch, "cifar100");
  mkdirSync(dir);
  writeFileSync(join(dir, "train.bin"), cifar100Bytes(400));
  writeFileSync(join(dir, "test.bin"), cifar100Bytes(30, 7));

  it("reads fine labels, CHW records as NHWC, and test.bin as the test split", async () => {
    const data = await loadDataset({ kind: "cifar100", path: dir, labels: "fine", val: 100, test: 1000, seed: 1 });
    expect(data.classNames).toEqual(CIFAR100_FINE_CLASSES);
    expect([data.train.count, data.val.count, data.test.count]).toEqual([300, 100, 30]);
    expect(data.train.classes).toBe(100);
    // Stratified: 4 images per fine class give one to validation each.
    expect(new Set(data.val.labels).size).toBe(100);
    // Record i has fine label i % 100 and pixel (i + p) % 256 in channel-major order: recover i from channel 0.
    const label = data.train.labels[0]!;
    const first = byteOf(data.train, data.normalization, 0, 0, 0);
    expect(first % 100).toBe(label);
    expect(byteOf(data.train, data.normalization, 0, 5, 1)).toBe((first + 1024 + 5) % 256);
  });

  it("reads the 20 coarse labels, and holds a test split out of train.bin without test.bin", async () => {
    const bare = join(scratch, "cifar100-bare");
    mkdirSync(bare);
    writeFileSync(join(bare, "train.bin"), cifar100Bytes(400));
    const data = await loadDataset({ kind: "cifar100", path: bare, labels: "coarse", val: 40, test: 60, seed: 1 });
    expect(data.classNames).toEqual(CIFAR100_COARSE_CLASSES);
    expect([data.train.count, data.val.count, data.test.count]).toEqual([300, 40, 60]);
    expect(Math.max(...data.train.labels)).toBe(19);
  });

  it("refuses a file that is not whole records, naming it", async () => {
    const bad = join(scratch, "cifar100-bad");
    mkdirSync(bad);
    writeFileSync(join(bad, "train.bin"), cifar100Bytes(3).subarray(0, 5000));
    await expect(
      loadDataset({ kind: "cifar100", path: bad, labels: "fine", val: 1, test: 1, seed: 1 }),
    ).rejects.toThrow(/train\.bin: not a CIFAR-100 file \(5000 bytes is not a multiple of 3074\)/);
  });
});

describe("npz", () => {
  it("reads an .npz of NHW uint8 images with int64 labels, x_test as the test split, resized to imageSize", async () => {
    const train = npzArrays(60, 6, 3);
    const test = npzArrays(12, 6, 3, undefined, 50);
    const file = join(scratch, "mnist-like.npz");
    writeFileSync(
      file,
      await zipArchive([
        { name: "x_train.npy", data: train.x },
        { name: "y_train.npy", data: train.y },
        { name: "x_test.npy", data: test.x },
        { name: "y_test.npy", data: test.y },
      ]),
    );
    const native = await loadDataset({ kind: "npz", path: file, val: 15, imageSize: 6, seed: 2 }, { channels: 1 });
    expect([native.train.count, native.val.count, native.test.count]).toEqual([45, 15, 12]);
    expect(native.classNames).toEqual(["0", "1", "2"]);
    // Image i's pixel p is (7i + 3p) % 256 and its label i % 3.
    for (let k = 0; k < 5; k++) {
      const first = byteOf(native.train, native.normalization, k, 0, 0);
      const i = [...Array(60).keys()].find((n) => (n * 7) % 256 === first)!;
      expect(native.train.labels[k]).toBe(i % 3);
      expect(byteOf(native.train, native.normalization, k, 9, 0)).toBe((i * 7 + 27) % 256);
    }
    const grown = await loadDataset(
      { kind: "npz", path: file, val: 15, test: 6, imageSize: 12, seed: 2 },
      { channels: 3 },
    );
    expect([grown.train.imageSize, grown.train.channels, grown.test.count]).toEqual([12, 3, 6]);
  });

  it("reads .npy files of NHWC colour images from a directory, holding out a test split without x_test", async () => {
    const dir = join(scratch, "npy-dir");
    mkdirSync(dir);
    const { x, y } = npzArrays(50, 4, 5, 3);
    writeFileSync(join(dir, "x_train.npy"), x);
    writeFileSync(join(dir, "y_train.npy"), y);
    const data = await loadDataset({ kind: "npz", path: dir, val: 10, test: 10, imageSize: 4, seed: 1 });
    expect([data.train.count, data.val.count, data.test.count, data.train.channels]).toEqual([30, 10, 10, 3]);
    await expect(
      loadDataset({ kind: "npz", path: dir, val: 10, test: 10, imageSize: 4, seed: 1 }, { channels: 1 }),
    ).rejects.toThrow(/3 channels but the search space's input.channels is 1/);
  });

  it("refuses float images, a label count that differs, a truncated array and a missing y_train", async () => {
    const cases: [string, Record<string, Buffer>, RegExp][] = [
      [
        "float",
        { x_train: npyBytes("<f4", [2, 2, 2], new Uint8Array(32)), y_train: npzArrays(2, 2, 2).y },
        /x_train: images must be uint8, not <f4/,
      ],
      [
        "count",
        { x_train: npzArrays(4, 2, 2).x, y_train: npzArrays(3, 2, 2).y },
        /y_train: 3 labels, but x_train holds 4 images/,
      ],
      [
        "truncated",
        { x_train: npzArrays(4, 2, 2).x.subarray(0, 100), y_train: npzArrays(4, 2, 2).y },
        /x_train.npy: truncated/,
      ],
      ["no-labels", { x_train: npzArrays(4, 2, 2).x }, /holds no y_train array/],
    ];
    for (const [name, arrays, error] of cases) {
      const dir = join(scratch, `npz-${name}`);
      mkdirSync(dir);
      for (const [key, bytes] of Object.entries(arrays)) writeFileSync(join(dir, `${key}.npy`), bytes);
      await expect(loadDataset({ kind: "npz", path: dir, val: 1, imageSize: 2, seed: 1 })).rejects.toThrow(error);
    }
  });

  it("parses .npy headers of versions 1 and 2 and refuses what is not one", () => {
    const v1 = npyBytes("<i4", [3], new Uint8Array(12));
    expect(parseNpy(v1, "a.npy")).toMatchObject({ dtype: "<i4", shape: [3] });
    // Version 2: the header length is a uint32.
    const headerLength = v1.readUInt16LE(8);
    const v2 = Buffer.concat([v1.subarray(0, 6), Buffer.from([2, 0]), Buffer.alloc(4), v1.subarray(10)]);
    v2.writeUInt32LE(headerLength, 8);
    expect(parseNpy(v2, "b.npy").shape).toEqual([3]);
    expect(() => parseNpy(Buffer.from("PK\x03\x04 not an npy"), "c.npy")).toThrow(/c.npy: not a NumPy .npy file/);
  });
});

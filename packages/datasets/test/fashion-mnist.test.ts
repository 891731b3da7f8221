// The idx kind on the real thing: Fashion-MNIST as Debian's dataset-fashion-mnist installs it (gzipped IDX files,
// standard names). `.ci/run` installs the package; elsewhere the test is skipped when the directory is missing.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FASHION_MNIST_CLASSES, loadDataset } from "../src/index";

const DIR = process.env.FASHION_MNIST_DIR ?? "/usr/share/datasets/fashion-mnist";

describe.skipIf(!existsSync(DIR))("Fashion-MNIST from Debian's package", () => {
  it("loads train, validation and test splits at 32 px with the class names and balanced labels", async () => {
    const data = await loadDataset({
      kind: "idx",
      path: DIR,
      train: 2000,
      val: 500,
      test: 1000,
      imageSize: 32,
      seed: 0,
    });
    expect([data.train.count, data.val.count, data.test.count]).toEqual([2000, 500, 1000]);
    expect(data.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect([data.train.imageSize, data.train.channels, data.train.classes]).toEqual([32, 1, 10]);
    // Stratified splits: every class about a tenth of each.
    for (const split of [data.train, data.val]) {
      const counts = Array.from({ length: 10 }, (_, c) => split.labels.filter((l) => l === c).length);
      expect(Math.min(...counts)).toBeGreaterThanOrEqual(split.count / 10 - 1);
    }
    // The dataset's known pixel statistics (mean 0.286, std 0.353 over [0, 1] pixels), from the training images.
    expect(data.normalization.mean[0]).toBeCloseTo(0.286, 1);
    expect(data.normalization.std[0]).toBeCloseTo(0.353, 1);
  }, 60_000);
});

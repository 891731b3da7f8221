// `loadDataset`: one entry point for every dataset kind of nas-search/v1, returning normalised train, held-out
// validation and test splits, the normalisation used, class names and a fingerprint of the data.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatasetSpec, IdxDatasetSpec, NpzDatasetSpec } from "@vitnas/formats";
import { cifarClassNames, cifarTrainingFiles, readCifarBatches } from "./cifar10";
import { cifar100ClassNames, cifar100TrainingFile, readCifar100 } from "./cifar100";
import { readImageFolder } from "./folder";
import { idxClasses, idxClassNames, idxFiles, idxToRaw, readIdxImages } from "./idx";
import { detectLayout } from "./inspect";
import { channelStatistics, type Normalization, normalizePixels } from "./normalization";
import { npzImages, npzToRaw, readNpzArrays } from "./npz";
import { pick, type RawImages } from "./raw";
import { stratifiedPick } from "./split";
import { generateSynthetic, syntheticClassNames } from "./synthetic";
import type { ImageSplit, LoadedDataset } from "./types";
import { uploadedSpec } from "./uploaded";

/** What the consumer (the search space's input) needs; a mismatch is an error naming both sides. */
export interface DatasetExpectation {
  classes?: number;
  imageSize?: number;
  channels?: number;
}

export interface LoadOptions {
  /** Where uploaded datasets are unpacked, one directory per upload's SHA-256 (default: `defaultUploadsDir()`). */
  uploads?: string;
}

/**
 * Where the service's workers unpack uploads: DATASET_CACHE_DIR, else their default. A training started without the
 * directory in hand (the final phase's, in the worker's training process) finds them there too.
 */
export const defaultUploadsDir = () => process.env.DATASET_CACHE_DIR || join(tmpdir(), "vitnas-datasets");

interface RawDataset {
  train: RawImages;
  val: RawImages;
  test: RawImages;
  classNames: string[];
}

export async function loadDataset(
  spec: DatasetSpec,
  expect: DatasetExpectation = {},
  options: LoadOptions = {},
): Promise<LoadedDataset> {
  const raw = await loadRaw(spec, expect, options);
  const classes = raw.classNames.length;
  const { imageSize, channels } = raw.train;
  const mismatch = (what: string, got: number, want?: number) => {
    if (want !== undefined && want !== got) {
      throw new Error(`dataset: has ${got} ${what} but the search space's input.${what} is ${want}`);
    }
  };
  mismatch("classes", classes, expect.classes);
  mismatch("imageSize", imageSize, expect.imageSize);
  mismatch("channels", channels, expect.channels);
  if (raw.train.count === 0) throw new Error("dataset: the training split is empty");
  if (raw.val.count === 0) throw new Error("dataset: the validation split is empty");
  const normalization = channelStatistics(raw.train);
  const split = (r: RawImages): ImageSplit => ({
    images: normalizePixels(r.images, normalization),
    labels: r.labels,
    count: r.count,
    imageSize,
    channels,
    classes,
  });
  const train = split(raw.train);
  const val = split(raw.val);
  return {
    train,
    val,
    test: split(raw.test),
    classNames: raw.classNames,
    normalization,
    fingerprint: fingerprintOf(spec, raw),
  };
}

async function loadRaw(spec: DatasetSpec, expect: DatasetExpectation, options: LoadOptions): Promise<RawDataset> {
  switch (spec.kind) {
    case "synthetic": {
      const options = { classes: spec.classes, imageSize: spec.imageSize, channels: spec.channels, seed: spec.seed };
      return {
        train: generateSynthetic({ ...options, count: spec.train }, "train"),
        val: generateSynthetic({ ...options, count: spec.val }, "val"),
        // Its own stream: adding the test split leaves train and val (and cached results) as they were.
        test: generateSynthetic({ ...options, count: spec.test }, "test"),
        classNames: syntheticClassNames(spec.classes),
      };
    }
    case "cifar10":
      return withTestFile(
        await readCifarBatches(cifarTrainingFiles(spec.path)),
        spec,
        join(spec.path, "test_batch.bin"),
        (file) => readCifarBatches([file]),
        await cifarClassNames(spec.path),
      );
    case "folder": {
      const channels = expect.channels ?? 3;
      const { raw, classNames } = await readImageFolder(spec.path, spec.imageSize, channels);
      const separate = spec.testPath
        ? await readImageFolder(spec.testPath, spec.imageSize, channels, "dataset.testPath")
        : undefined;
      if (separate && separate.classNames.join("\n") !== classNames.join("\n")) {
        throw new Error(
          `dataset.testPath: ${spec.testPath} has classes ${separate.classNames.join(", ")}, but ${spec.path} has ${classNames.join(", ")}`,
        );
      }
      // Every class keeps at least one training image and, when it has two or more, gives one to validation; the
      // test split (without testPath) is taken first, from classes of three or more, so that stays true.
      const val: number[] = [];
      const train: number[] = [];
      const test: number[] = [];
      classNames.forEach((_, label) => {
        let members = [...raw.labels.keys()].filter((i) => raw.labels[i] === label);
        if (!separate) {
          const share =
            members.length < 3 ? 0 : Math.min(members.length - 2, Math.max(1, Math.round(members.length * spec.test)));
          const { picked, rest } = stratifiedPick(members, raw.labels, share, spec.seed, `test:${label}`);
          test.push(...picked);
          members = rest;
        }
        const want =
          members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * spec.val)));
        const { picked, rest } = stratifiedPick(members, raw.labels, want, spec.seed, `val:${label}`);
        val.push(...picked);
        train.push(...rest);
      });
      const order = (list: number[]) => stratifiedPick(list, raw.labels, list.length, spec.seed, "order").picked;
      return {
        train: pick(raw, order(train)),
        val: pick(raw, order(val)),
        test: separate ? separate.raw : pick(raw, order(test)),
        classNames,
      };
    }
    case "idx":
      return loadIdx(spec, expect);
    case "cifar100":
      return withTestFile(
        await readCifar100(cifar100TrainingFile(spec.path), spec.labels),
        spec,
        join(spec.path, "test.bin"),
        (file) => readCifar100(file, spec.labels),
        await cifar100ClassNames(spec.path, spec.labels),
      );
    case "npz":
      return loadNpz(spec, expect);
    case "uploaded": {
      if (!spec.sha256) {
        throw new Error(
          `dataset.id: ${spec.id} is an uploaded dataset, which the service resolves when it is submitted`,
        );
      }
      const uploads = options.uploads ?? defaultUploadsDir();
      const root = join(uploads, spec.sha256);
      if (!existsSync(root)) {
        throw new Error(`dataset.id: upload ${spec.sha256} is not in ${uploads} (a worker fetches it there first)`);
      }
      const layout = await detectLayout(root);
      if (spec.format !== undefined && layout.format !== spec.format) {
        throw new Error(`dataset.id: upload ${spec.sha256} reads as ${layout.format}, not ${spec.format}`);
      }
      return loadRaw(uploadedSpec(spec, layout, root), expect, options);
    }
  }
}

/**
 * CIFAR's splits: validation out of the training images, the test split from the test file, or without it out of the
 * training images after val (so val is unchanged).
 */
async function withTestFile(
  all: RawImages,
  spec: { path: string; train?: number; val: number; test: number; seed: number },
  testFile: string,
  readTest: (file: string) => Promise<RawImages>,
  classNames: string[],
): Promise<RawDataset> {
  const heldOut = existsSync(testFile) ? 0 : spec.test;
  const { train, val, test } = holdOut(all.labels, spec, heldOut, spec.path);
  return {
    train: pick(all, train),
    val: pick(all, val),
    test: heldOut > 0 ? pick(all, test) : await readTest(testFile),
    classNames,
  };
}

/** NumPy arrays: validation out of x_train, the test split from x_test (else held out after val). */
async function loadNpz(spec: NpzDatasetSpec, expect: DatasetExpectation): Promise<RawDataset> {
  const arrays = await readNpzArrays(spec.path);
  const trainSet = npzImages(arrays.x_train!, arrays.y_train!, "x_train", "y_train");
  const classes = idxClasses(trainSet.labels, `${spec.path}: y_train`);
  const separate =
    arrays.x_test && arrays.y_test ? npzImages(arrays.x_test, arrays.y_test, "x_test", "y_test") : undefined;
  const outside = separate ? separate.labels.findIndex((l) => l >= classes) : -1;
  if (separate && outside >= 0) {
    throw new Error(`${spec.path}: y_test label ${separate.labels[outside]} is outside y_train's 0..${classes - 1}`);
  }
  const heldOut = separate ? 0 : (spec.test ?? 1000);
  const { train, val, test } = holdOut(trainSet.labels, spec, heldOut, spec.path);
  const channels = expect.channels ?? (trainSet.channels === 3 ? 3 : 1);
  let testSet = trainSet;
  let testIndices = test;
  if (separate) {
    const all = Array.from({ length: separate.count }, (_, i) => i);
    testSet = separate;
    testIndices =
      spec.test !== undefined && spec.test < separate.count
        ? stratifiedPick(all, separate.labels, spec.test, spec.seed, "test").picked
        : all;
  }
  return {
    train: npzToRaw(trainSet, train, spec.imageSize, channels),
    val: npzToRaw(trainSet, val, spec.imageSize, channels),
    test: npzToRaw(testSet, testIndices, spec.imageSize, channels),
    classNames: Array.from({ length: classes }, (_, i) => String(i)),
  };
}

/**
 * Indices of a labelled set split as cifar10 splits its training batches: a stratified validation split first (it
 * depends on nothing else), then, when `test` > 0, a stratified test split, then at most `spec.train` of the rest.
 */
function holdOut(
  labels: Int32Array,
  spec: { train?: number; val: number; seed: number },
  test: number,
  source: string,
): { train: number[]; val: number[]; test: number[] } {
  const indices = Array.from({ length: labels.length }, (_, i) => i);
  if (spec.val >= labels.length) {
    throw new Error(`dataset.val: ${spec.val} validation images asked, but ${source} holds only ${labels.length}`);
  }
  const { picked: val, rest } = stratifiedPick(indices, labels, spec.val, spec.seed, "val");
  if (test >= rest.length) {
    throw new Error(
      `dataset.test: ${test} test images to hold out besides ${spec.val} for validation, but ${source} holds only ${labels.length}`,
    );
  }
  const split = test > 0 ? stratifiedPick(rest, labels, test, spec.seed, "test") : { picked: [], rest };
  const train =
    spec.train !== undefined && spec.train < split.rest.length
      ? stratifiedPick(split.rest, labels, spec.train, spec.seed, "train").picked
      : split.rest;
  return { train, val, test: split.picked };
}

/** MNIST-style files: validation out of the training files, the test split from the t10k files. */
async function loadIdx(spec: IdxDatasetSpec, expect: DatasetExpectation): Promise<RawDataset> {
  const files = idxFiles(spec);
  const [trainSet, testSet] = await Promise.all([
    readIdxImages(files.trainImages, files.trainLabels),
    readIdxImages(files.testImages, files.testLabels),
  ]);
  const classes = idxClasses(trainSet.labels, files.trainLabels);
  if (testSet.size !== trainSet.size) {
    throw new Error(
      `${files.testImages}: ${testSet.size}x${testSet.size} images, but the training images are ${trainSet.size}x${trainSet.size}`,
    );
  }
  const outside = testSet.labels.findIndex((l) => l >= classes);
  if (outside >= 0) {
    throw new Error(
      `${files.testLabels}: label ${testSet.labels[outside]} (item ${outside}) is outside the training labels' 0..${classes - 1}`,
    );
  }
  // Only the chosen images are converted to floats and resized: the files hold tens of thousands.
  const { train, val } = holdOut(trainSet.labels, spec, 0, files.trainImages);
  const allTest = Array.from({ length: testSet.count }, (_, i) => i);
  const test =
    spec.test !== undefined && spec.test < testSet.count
      ? stratifiedPick(allTest, testSet.labels, spec.test, spec.seed, "test").picked
      : allTest;
  // Grayscale: one channel, or the gray value replicated when the space takes three.
  const channels = expect.channels === 3 ? 3 : 1;
  return {
    train: idxToRaw(trainSet, train, spec.imageSize, channels),
    val: idxToRaw(trainSet, val, spec.imageSize, channels),
    test: idxToRaw(testSet, test, spec.imageSize, channels),
    classNames: await idxClassNames(spec.path, classes),
  };
}

/**
 * Where the files are and what the test split is do not describe the data searched on: fields that are left out of
 * the hash, so moving a dataset or adding the test split keeps the fingerprint (and cached evaluations).
 */
const UNDESCRIBED = new Set([
  "path",
  "trainImages",
  "trainLabels",
  "testImages",
  "testLabels",
  "testPath",
  "test",
  // An upload is described by its digest: the same bytes under another team's id are the same data.
  "id",
]);

/** Hash of the dataset's description and of every pixel and label of the train and val splits. */
function fingerprintOf(spec: DatasetSpec, raw: RawDataset): string {
  const hash = createHash("sha256");
  const described = Object.fromEntries(Object.entries(spec).filter(([key]) => !UNDESCRIBED.has(key)));
  hash.update(JSON.stringify(described));
  for (const r of [raw.train, raw.val]) {
    hash.update(new Uint8Array(r.images.buffer, r.images.byteOffset, r.images.byteLength));
    hash.update(new Uint8Array(r.labels.buffer, r.labels.byteOffset, r.labels.byteLength));
  }
  return `${spec.kind}-${hash.digest("hex").slice(0, 16)}`;
}

export type { Normalization };

// `loadDataset`: one entry point for every dataset kind of nas-search/v1, returning normalised train and
// held-out validation splits, the normalisation used, class names and a fingerprint of the data.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DatasetSpec } from "@vitnas/formats";
import { cifarClassNames, cifarTrainingFiles, readCifarBatches } from "./cifar10";
import { readImageFolder } from "./folder";
import { channelStatistics, type Normalization, normalizePixels } from "./normalization";
import { pick, type RawImages } from "./raw";
import { stratifiedPick } from "./split";
import { generateSynthetic, syntheticClassNames } from "./synthetic";
import type { ImageSplit, LoadedDataset } from "./types";

/** What the consumer (the search space's input) needs; a mismatch is an error naming both sides. */
export interface DatasetExpectation {
  classes?: number;
  imageSize?: number;
  channels?: number;
}

interface RawDataset {
  train: RawImages;
  val: RawImages;
  test?: RawImages;
  classNames: string[];
}

export async function loadDataset(spec: DatasetSpec, expect: DatasetExpectation = {}): Promise<LoadedDataset> {
  const raw = await loadRaw(spec, expect);
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
    ...(raw.test ? { test: split(raw.test) } : {}),
    classNames: raw.classNames,
    normalization,
    fingerprint: fingerprintOf(spec, raw),
  };
}

async function loadRaw(spec: DatasetSpec, expect: DatasetExpectation): Promise<RawDataset> {
  switch (spec.kind) {
    case "synthetic": {
      const options = { classes: spec.classes, imageSize: spec.imageSize, channels: spec.channels, seed: spec.seed };
      return {
        train: generateSynthetic({ ...options, count: spec.train }, "train"),
        val: generateSynthetic({ ...options, count: spec.val }, "val"),
        classNames: syntheticClassNames(spec.classes),
      };
    }
    case "cifar10": {
      const all = await readCifarBatches(cifarTrainingFiles(spec.path));
      const indices = Array.from({ length: all.count }, (_, i) => i);
      if (spec.val >= all.count) {
        throw new Error(`dataset.val: ${spec.val} validation images asked, but ${spec.path} holds only ${all.count}`);
      }
      const { picked: val, rest } = stratifiedPick(indices, all.labels, spec.val, spec.seed, "val");
      const train =
        spec.train !== undefined && spec.train < rest.length
          ? stratifiedPick(rest, all.labels, spec.train, spec.seed, "train").picked
          : rest;
      const testFile = join(spec.path, "test_batch.bin");
      return {
        train: pick(all, train),
        val: pick(all, val),
        ...(existsSync(testFile) ? { test: await readCifarBatches([testFile]) } : {}),
        classNames: await cifarClassNames(spec.path),
      };
    }
    case "folder": {
      const { raw, classNames } = await readImageFolder(spec.path, spec.imageSize, expect.channels ?? 3);
      // Every class keeps at least one training image and, when it has two or more, gives one to validation.
      const val: number[] = [];
      const train: number[] = [];
      classNames.forEach((_, label) => {
        const members = [...raw.labels.keys()].filter((i) => raw.labels[i] === label);
        const want =
          members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * spec.val)));
        const { picked, rest } = stratifiedPick(members, raw.labels, want, spec.seed, `val:${label}`);
        val.push(...picked);
        train.push(...rest);
      });
      const order = (list: number[]) => stratifiedPick(list, raw.labels, list.length, spec.seed, "order").picked;
      return { train: pick(raw, order(train)), val: pick(raw, order(val)), classNames };
    }
  }
}

/** Hash of the dataset's description and of every pixel and label of both splits. */
function fingerprintOf(spec: DatasetSpec, raw: RawDataset): string {
  const hash = createHash("sha256");
  const { path: _path, ...described } = spec as DatasetSpec & { path?: string };
  hash.update(JSON.stringify(described));
  for (const r of [raw.train, raw.val]) {
    hash.update(new Uint8Array(r.images.buffer, r.images.byteOffset, r.images.byteLength));
    hash.update(new Uint8Array(r.labels.buffer, r.labels.byteOffset, r.labels.byteLength));
  }
  return `${spec.kind}-${hash.digest("hex").slice(0, 16)}`;
}

export type { Normalization };

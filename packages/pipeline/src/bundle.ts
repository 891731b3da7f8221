// Export bundles: one directory per architecture of the front, usable without the super-network.
//   arch.json, weights.json, weights.bin   the standalone model (the supernet package's vitnas-weights/v1 format)
//   preprocessing.json                     class names, normalisation and input size, for new images
//   metrics.json                           accuracy, MACs (with the counter's version), parameters, measured
//                                          latency (a search's front), dataset and split, checkpoint id, seed
// A bundle holds weights inherited from a search's super-network, or (`nas train`, `training` in metrics.json)
// weights trained for that one architecture alone.
//   README.md                              the model card
import { existsSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { ImageSplit, LoadedDataset } from "@vitnas/datasets";
import type { OnnxLatency } from "@vitnas/export";
import { COUNTER_VERSION, type DatasetSpec, type VitArch } from "@vitnas/formats";
import { StandaloneModel } from "@vitnas/supernet";
import { writeFileAtomic, writeJsonAtomic } from "./atomic-file";
import {
  type BundleMetrics,
  PREPROCESSING_FORMAT,
  type Preprocessing,
  type StandaloneTraining,
} from "./bundle-documents";
import { modelCard } from "./model-card";

/** Top-1 accuracy of a standalone model on a (normalised) split: the one measurement `nas eval` repeats. */
export async function standaloneAccuracy(model: StandaloneModel, split: ImageSplit, batchSize = 256): Promise<number> {
  const { imageSize: s, channels: c } = split;
  let correct = 0;
  for (let from = 0; from < split.count; from += batchSize) {
    const n = Math.min(batchSize, split.count - from);
    const predicted = tf.tidy(() => {
      const images = tf.tensor4d(split.images.subarray(from * s * s * c, (from + n) * s * s * c), [n, s, s, c]);
      return tf.argMax(model.predict(images), 1);
    });
    const labels = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < n; i++) if (labels[i] === split.labels[from + i]) correct++;
  }
  return split.count ? correct / split.count : 0;
}

export interface BundleInput {
  model: StandaloneModel;
  arch: VitArch;
  id: string;
  searchAccuracy?: number;
  macs: number;
  params: number;
  latency?: OnnxLatency | undefined;
  data: LoadedDataset;
  dataset: DatasetSpec;
  supernetCheckpoint?: string;
  seed: number;
  backend: string;
  job: string;
  /** Standalone training: also measures the test split (`testAccuracy`). */
  training?: StandaloneTraining;
}

/** Writes a whole bundle to `dir`: built beside it under a temporary name, then swapped in. */
export async function writeBundle(dir: string, input: BundleInput): Promise<BundleMetrics> {
  const temp = `${dir}.${process.pid}.tmp`;
  await rm(temp, { recursive: true, force: true });
  await input.model.save(temp);
  const { data } = input;
  const preprocessing: Preprocessing = {
    format: PREPROCESSING_FORMAT,
    imageSize: data.val.imageSize,
    channels: data.val.channels,
    classNames: data.classNames,
    normalization: data.normalization,
  };
  const testAccuracy =
    input.training && data.test.count > 0 ? await standaloneAccuracy(input.model, data.test) : undefined;
  // Optional fields are left out rather than written as null, so a search's metrics.json keeps its exact shape.
  const metrics: BundleMetrics = {
    id: input.id,
    accuracy: await standaloneAccuracy(input.model, data.val),
    ...(testAccuracy !== undefined ? { testAccuracy } : {}),
    ...(input.searchAccuracy !== undefined ? { searchAccuracy: input.searchAccuracy } : {}),
    macs: input.macs,
    counterVersion: COUNTER_VERSION,
    params: input.params,
    ...(input.latency ? { latency: input.latency } : {}),
    dataset: input.dataset,
    split: { name: "val", count: data.val.count, fingerprint: data.fingerprint },
    ...(input.supernetCheckpoint !== undefined ? { supernetCheckpoint: input.supernetCheckpoint } : {}),
    seed: input.seed,
    backend: input.backend,
    job: input.job,
    ...(input.training ? { training: input.training } : {}),
  };
  await writeJsonAtomic(join(temp, "preprocessing.json"), preprocessing);
  await writeJsonAtomic(join(temp, "metrics.json"), metrics);
  await writeFileAtomic(join(temp, "README.md"), modelCard(input.arch, metrics, preprocessing));
  // A directory cannot be renamed over a non-empty one: move the old bundle aside first, then drop it.
  const old = `${dir}.${process.pid}.old`;
  if (existsSync(dir)) await rename(dir, old);
  await rename(temp, dir);
  await rm(old, { recursive: true, force: true });
  return metrics;
}

export interface Bundle {
  model: StandaloneModel;
  preprocessing: Preprocessing;
  metrics?: BundleMetrics;
}

/** Loads an exported bundle: the model alone, with what it needs to read new images. */
export async function loadBundle(dir: string): Promise<Bundle> {
  if (!existsSync(dir)) throw new Error(`bundle ${dir} does not exist`);
  let preprocessing: Preprocessing;
  try {
    preprocessing = JSON.parse(await readFile(join(dir, "preprocessing.json"), "utf8")) as Preprocessing;
  } catch (err) {
    throw new Error(`${dir} is not an exported bundle: cannot read preprocessing.json (${(err as Error).message})`);
  }
  if (preprocessing.format !== PREPROCESSING_FORMAT) {
    throw new Error(`${dir}/preprocessing.json: format "${preprocessing.format}", expected ${PREPROCESSING_FORMAT}`);
  }
  const model = await StandaloneModel.load(dir);
  let metrics: BundleMetrics | undefined;
  if (existsSync(join(dir, "metrics.json"))) {
    metrics = JSON.parse(await readFile(join(dir, "metrics.json"), "utf8")) as BundleMetrics;
  }
  return { model, preprocessing, ...(metrics ? { metrics } : {}) };
}

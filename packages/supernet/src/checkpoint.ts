// Super-network checkpoints: weights, batch-norm statistics, AdamW moments, the step, and the sampler's random
// state. Layout of a checkpoint directory:
//   checkpoint.json        the manifest (format, space, seeds, recipe, step, sampler state, tensor index, SHA-256)
//   tensors-<hash>.bin     float32 little-endian, named in the manifest: `w/<weight>`, `m/<weight>`, `v/<weight>`
// The binary is written first under a content-derived name, then the manifest replaces the old one by rename, then
// binaries no manifest names are removed: a crash at any point leaves the previous or the new checkpoint, whole.
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { ImageSplit } from "@vitnas/datasets";
import type { AttentionSpec, VitSpace } from "@vitnas/formats";
import type { AdamWSlot } from "./adamw";
import type { SamplerState } from "./sampler";
import type { ShrinkRecord } from "./shrink";
import { Supernet } from "./supernet";
import { type NamedArray, packTensors, type TensorEntry, unpackTensors, writeFileAtomic } from "./tensor-file";
import { type TrainConfig, Trainer, type TrainerOptions } from "./trainer";
import { sameShape } from "./weights";

export const CHECKPOINT_FORMAT = "vitnas-supernet-checkpoint/v1";
const MANIFEST = "checkpoint.json";

interface Manifest {
  format: typeof CHECKPOINT_FORMAT;
  savedAt: string;
  space: VitSpace;
  supernetSeed: number;
  config: TrainConfig;
  trainer: TrainerOptions & { step: number };
  /** The training split's shape: resuming on other data would change the data order. */
  data: { count: number; imageSize: number; channels: number; classes: number };
  sampler: SamplerState;
  /** The space shrinking's scores, once it ran (the sampler state holds the kept types). */
  shrink?: ShrinkRecord;
  adamSteps: Record<string, number>;
  tensors: { file: string; sha256: string; entries: TensorEntry[] };
}

export async function saveCheckpoint(trainer: Trainer, dir: string): Promise<void> {
  const { supernet, optimizer } = trainer;
  // How many threads trained it changes nothing a resumed training needs (trainer.ts).
  const { threads: _threads, ...options } = trainer.options;
  const arrays: NamedArray[] = [];
  for (const [name, v] of supernet.variables)
    arrays.push({ name: `w/${name}`, shape: v.shape, values: (await v.data()) as Float32Array });
  const adamSteps: Record<string, number> = {};
  for (const [name, slot] of optimizer.slots) {
    arrays.push({ name: `m/${name}`, shape: slot.m.shape, values: (await slot.m.data()) as Float32Array });
    arrays.push({ name: `v/${name}`, shape: slot.v.shape, values: (await slot.v.data()) as Float32Array });
    adamSteps[name] = slot.t;
  }
  const { entries, bytes, sha256 } = packTensors(arrays);
  const file = `tensors-${sha256.slice(0, 16)}.bin`;
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, file), bytes);
  const manifest: Manifest = {
    format: CHECKPOINT_FORMAT,
    savedAt: new Date().toISOString(),
    space: supernet.space,
    supernetSeed: supernet.seed,
    // The ownership the weights were declared with, whatever the recipe passed to the trainer says.
    config: { ...trainer.config, attentionWeights: supernet.attentionWeights, tokenWeights: supernet.tokenWeights },
    trainer: { ...options, step: trainer.step },
    data: {
      count: trainer.data.count,
      imageSize: trainer.data.imageSize,
      channels: trainer.data.channels,
      classes: trainer.data.classes,
    },
    sampler: trainer.sampler.state(),
    ...(trainer.shrink ? { shrink: trainer.shrink } : {}),
    adamSteps,
    tensors: { file, sha256, entries },
  };
  await writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest));
  for (const name of await readdir(dir)) {
    if (name.startsWith("tensors-") && name !== file) await rm(join(dir, name), { force: true });
  }
}

/** Whether `dir` holds a checkpoint manifest (it may still fail to load if damaged). */
export async function hasCheckpoint(dir: string): Promise<boolean> {
  try {
    await readFile(join(dir, MANIFEST));
    return true;
  } catch {
    return false;
  }
}

async function readManifest(dir: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), "utf8")) as Manifest;
  } catch (error) {
    throw new Error(`no readable checkpoint in ${dir}: ${(error as Error).message}`);
  }
  if (manifest.format !== CHECKPOINT_FORMAT)
    throw new Error(`${dir}: format "${manifest.format}", expected ${CHECKPOINT_FORMAT}`);
  return manifest;
}

/** The checkpoint's super-network with its weights; the arrays by name (optimizer moments too) for the caller. */
async function loadWeights(
  dir: string,
  manifest: Manifest,
): Promise<{ supernet: Supernet; byName: Map<string, NamedArray> }> {
  const arrays = await unpackTensors(
    join(dir, manifest.tensors.file),
    manifest.tensors.entries,
    manifest.tensors.sha256,
  );
  const byName = new Map(arrays.map((a) => [a.name, a]));
  // A checkpoint from before per-type attention weights has no `attentionWeights`: its projections are shared.
  const supernet = Supernet.create(manifest.space, {
    seed: manifest.supernetSeed,
    init: manifest.config.init,
    attentionWeights: manifest.config.attentionWeights ?? "shared",
    // ... and one from before per-grid token weights none: every grid read one copy.
    tokenWeights: manifest.config.tokenWeights ?? "shared",
  });
  try {
    for (const [name, v] of supernet.variables) {
      const a = byName.get(`w/${name}`);
      if (!a) throw new Error(`${dir}: weight ${name} is missing`);
      if (!sameShape(a.shape, v.shape))
        throw new Error(`${dir}: weight ${name} is [${a.shape}], the space gives [${v.shape}]`);
      tf.tidy(() => v.assign(tf.tensor(a.values, a.shape)));
    }
  } catch (error) {
    supernet.dispose();
    throw error;
  }
  return { supernet, byName };
}

/**
 * The trained super-network alone, to search on (no optimizer state, no training data): what a search that reuses
 * another's super-network needs (docs/supernet-reuse.md). `step` and `sha256` name the weights.
 */
export async function loadSupernet(dir: string): Promise<{
  supernet: Supernet;
  step: number;
  sha256: string;
  attention?: AttentionSpec[][];
  shrink?: ShrinkRecord;
}> {
  const manifest = await readManifest(dir);
  const { supernet } = await loadWeights(dir, manifest);
  const { attention } = manifest.sampler;
  // A shrunk super-network trained only its kept types from the shrink on: a search on it searches those.
  return {
    supernet,
    step: manifest.trainer.step,
    sha256: manifest.tensors.sha256,
    ...(attention ? { attention } : {}),
    ...(manifest.shrink ? { shrink: manifest.shrink } : {}),
  };
}

/**
 * A trainer (with its super-network) exactly as saved, training on `data` (the same split as before), with
 * `threads` threads (default 1, whatever trained it).
 */
export async function loadCheckpoint(
  dir: string,
  data: ImageSplit,
  run: Pick<TrainerOptions, "threads"> = {},
): Promise<Trainer> {
  const manifest = await readManifest(dir);
  const want = manifest.data;
  if (want && (want.count !== data.count || want.imageSize !== data.imageSize || want.channels !== data.channels)) {
    throw new Error(
      `${dir} was trained on ${want.count} images of ${want.imageSize}px x ${want.channels}, not ${data.count} of ${data.imageSize}px x ${data.channels}`,
    );
  }
  const { supernet, byName } = await loadWeights(dir, manifest);
  try {
    const { step, ...options } = manifest.trainer;
    const trainer = new Trainer(supernet, data, manifest.config, { ...options, ...run });
    trainer.step = step;
    trainer.sampler.restore(manifest.sampler);
    if (manifest.shrink) trainer.shrink = manifest.shrink;
    const slots = new Map<string, AdamWSlot>();
    for (const [name, t] of Object.entries(manifest.adamSteps)) {
      const m = byName.get(`m/${name}`);
      const v = byName.get(`v/${name}`);
      if (!m || !v || !supernet.variables.has(name))
        throw new Error(`${dir}: optimizer state of ${name} is incomplete`);
      slots.set(name, { m: tf.tensor(m.values, m.shape), v: tf.tensor(v.values, v.shape), t });
    }
    trainer.optimizer.restore(slots);
    return trainer;
  } catch (error) {
    supernet.dispose();
    throw error;
  }
}

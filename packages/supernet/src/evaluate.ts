// Accuracy of sub-networks with inherited weights, made for many candidates in a row: the stem (shared, fixed,
// in inference mode) runs once per batch and its features are kept for the next candidates while they fit a
// memory budget; each candidate then only runs its own stages. Everything else is freed per batch.
import * as tf from "@tensorflow/tfjs";
import type { ImageSplit } from "@vitnas/datasets";
import type { VitArch } from "@vitnas/formats";
import { gatherBatch } from "./augment";
import { archForward } from "./model";
import { stemForward } from "./stem";
import type { Supernet } from "./supernet";

export interface EvaluateOptions {
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /** Evaluate only the first `limit` images. */
  limit?: number;
  /** Bytes of stem features kept between candidates (default 256 MiB); 0 keeps none. */
  cacheBytes?: number;
}

export class Evaluator {
  private readonly batches: { from: number; size: number; labels: Int32Array; features?: tf.Tensor4D }[] = [];
  private cached = 0;

  constructor(
    readonly supernet: Supernet,
    readonly split: ImageSplit,
    readonly options: EvaluateOptions = {},
  ) {
    const { input } = supernet.space;
    if (split.imageSize !== input.imageSize || split.channels !== input.channels) {
      throw new Error(
        `split is ${split.imageSize}px x ${split.channels}, the space ${input.imageSize}px x ${input.channels}`,
      );
    }
    const count = Math.min(split.count, options.limit ?? split.count);
    const size = Math.max(1, options.batchSize ?? 256);
    for (let from = 0; from < count; from += size) {
      const n = Math.min(size, count - from);
      this.batches.push({ from, size: n, labels: split.labels.subarray(from, from + n) });
    }
  }

  /** Top-1 accuracy (0..1) of `arch` on the split. */
  async accuracy(arch: VitArch): Promise<number> {
    let correct = 0;
    let total = 0;
    const budget = this.options.cacheBytes ?? 256 * 2 ** 20;
    for (const batch of this.batches) {
      const features = batch.features ?? this.features(batch.from, batch.size);
      if (!batch.features && this.cached + features.size * 4 <= budget) {
        batch.features = features;
        this.cached += features.size * 4;
      }
      const predicted = tf.tidy(() =>
        tf.argMax(archForward(arch, this.supernet.view(arch), features, { training: false, castlingBranch: 0 }), 1),
      );
      if (features !== batch.features) features.dispose();
      const labels = (await predicted.data()) as Int32Array;
      predicted.dispose();
      for (let i = 0; i < batch.size; i++) if (labels[i] === batch.labels[i]) correct++;
      total += batch.size;
    }
    return total ? correct / total : 0;
  }

  private features(from: number, size: number): tf.Tensor4D {
    const { imageSize: s, channels: c } = this.split;
    const indices = Int32Array.from({ length: size }, (_, i) => from + i);
    return tf.tidy(() => {
      const images = tf.tensor4d(gatherBatch(this.split, indices), [size, s, s, c]);
      return stemForward(this.supernet.space.stem, this.supernet, images, false).out;
    });
  }

  /** Frees the kept features (call when the weights change or the evaluator is done). */
  dispose() {
    for (const b of this.batches) {
      b.features?.dispose();
      b.features = undefined;
    }
    this.cached = 0;
  }
}

/** Top-1 accuracy of one architecture with inherited weights; for many, keep one Evaluator. */
export async function evaluate(supernet: Supernet, arch: VitArch, split: ImageSplit, options: EvaluateOptions = {}) {
  const evaluator = new Evaluator(supernet, split, { ...options, cacheBytes: 0 });
  try {
    return await evaluator.accuracy(arch);
  } finally {
    evaluator.dispose();
  }
}

// One thread's part of a training step: the loss of its images and its gradients, run by the main thread on its
// own share and by every other thread on theirs. The part's loss is the sum over its images divided by the whole
// batch's size, so the parts add up to the one-thread loss (the mean over the batch) and their gradients add up to
// its gradients. The part starts from stem features: the stem runs once on the whole batch on the main thread,
// because its batch norm normalises by the whole batch's statistics (see training.ts).
import * as tf from "@tensorflow/tfjs";
import { gradients } from "../backward";
import { archForward, type ForwardOptions } from "../model";
import type { Supernet } from "../supernet";
import type { Segment } from "./split";

export interface SharePart {
  segments: Segment[];
  /** Stem features of the share's images [n, H, W, C]. */
  features: tf.Tensor4D;
  /** Targets (label-smoothed, or distilled) of the share's images [n, classes]. */
  target: tf.Tensor2D;
  /** Images in the whole step. */
  batchSize: number;
  forward: ForwardOptions;
  /** Also the gradient of the features (for the stem's backward pass on the main thread). */
  featureGrad: boolean;
}

export interface ShareGradients {
  loss: tf.Scalar;
  /** By weight name (the super-network's, the same in every thread); only the weights the share read. */
  grads: Map<string, tf.Tensor>;
  features?: tf.Tensor4D;
}

export function shareGradients(supernet: Supernet, part: SharePart): ShareGradients {
  const names = [...supernet.variables].filter(([, v]) => v.trainable);
  const xs: tf.Tensor[] = names.map(([, v]) => v);
  if (part.featureGrad) xs.push(part.features);
  const { features, target, segments } = part;
  const { value, grads } = gradients(() => {
    const parts = segments.map((s) =>
      archForward(
        s.arch,
        supernet.view(s.arch),
        s.size === features.shape[0]
          ? features
          : (tf.slice(features, [s.from, 0, 0, 0], [s.size, -1, -1, -1]) as tf.Tensor4D),
        part.forward,
      ),
    );
    const logits = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    return tf.div(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)))), part.batchSize);
  }, xs);
  const byName = new Map<string, tf.Tensor>();
  names.forEach(([name], i) => {
    if (grads[i]) byName.set(name, grads[i]!);
  });
  const out: ShareGradients = { loss: value as tf.Scalar, grads: byName };
  if (part.featureGrad) {
    // Features no sub-network read (none here: every image belongs to a segment) would have no gradient.
    out.features = (grads[names.length] as tf.Tensor4D | null) ?? tf.zerosLike(features);
  }
  return out;
}

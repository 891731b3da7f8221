// Activation recomputation (gradient checkpointing): a segment of the forward pass keeps only its inputs (the
// activation entering it and the weight slices it reads) for the backward pass and runs again inside its own
// gradient. Its intermediates (attention probabilities, feature maps, GELU inputs) then live only while that
// segment's gradient is computed, instead of from the forward pass to the end of the whole backward pass; the
// gradients are those of the plain forward pass, since the same ops run on the same values.
import * as tf from "@tensorflow/tfjs";
import { gradients } from "./backward";
import type { WeightSource } from "./weights";
import { sameShape } from "./weights";

/** A weight slice a segment reads: the exact `get(name, shape)` call its forward pass makes. */
export interface WeightRead {
  name: string;
  shape: number[];
}

type Segment = (x: tf.Tensor, w: WeightSource) => tf.Tensor;

/**
 * `segment(x, w)`, recomputed in the backward pass. `reads` must list every weight the segment reads (a read it
 * did not declare throws, so a missing declaration cannot silently drop a gradient).
 */
export function recomputed(x: tf.Tensor, w: WeightSource, reads: WeightRead[], segment: Segment): tf.Tensor {
  const weights = reads.map((r) => w.get(r.name, r.shape));
  return checkpointed((inputs) => segment(inputs[0]!, declaredSource(reads, inputs.slice(1))), [x, ...weights]);
}

/** `fn(inputs)`, keeping only `inputs` for the backward pass and running `fn` again inside its gradient. */
export function checkpointed(fn: (inputs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): tf.Tensor {
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const given = args as tf.Tensor[];
    save(given);
    return {
      value: tf.tidy(() => fn(given)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const { grads } = gradients(() => fn(saved), saved, dy, false);
        return grads.map((g, k) => g ?? tf.zerosLike(saved[k]!));
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]) as (...inputs: tf.Tensor[]) => tf.Tensor;
  return op(...inputs);
}

function declaredSource(reads: WeightRead[], tensors: tf.Tensor[]): WeightSource {
  return {
    get(name, shape) {
      const i = reads.findIndex((r) => r.name === name && sameShape(r.shape, shape));
      if (i < 0) throw new Error(`a recomputed segment reads ${name} [${shape.join(", ")}], which it did not declare`);
      return tensors[i]!;
    },
  };
}

// Activation recomputation (gradient checkpointing): a segment of the forward pass keeps only its inputs (the
// activation entering it and the weight slices it reads) for the backward pass and runs again inside its own
// gradient. Its intermediates (attention probabilities, feature maps, GELU inputs) then live only while that
// segment's gradient is computed, instead of from the forward pass to the end of the whole backward pass; the
// gradients are those of the plain forward pass, since the same ops run on the same values.
import * as tf from "@tensorflow/tfjs";
import type { WeightSource } from "./weights";
import { sameShape } from "./weights";

/** A weight slice a segment reads: the exact `get(name, shape)` call its forward pass makes. */
export interface WeightRead {
  name: string;
  shape: number[];
}

type Segment = (x: tf.Tensor, w: WeightSource) => tf.Tensor;

/** The tape state of tfjs's engine, which a gradient computed inside another gradient must leave as it found. */
interface EngineTape {
  state: { activeTape: unknown };
}

/**
 * `segment(x, w)`, recomputed in the backward pass. `reads` must list every weight the segment reads (a read it
 * did not declare throws, so a missing declaration cannot silently drop a gradient).
 */
export function recomputed(x: tf.Tensor, w: WeightSource, reads: WeightRead[], segment: Segment): tf.Tensor {
  const weights = reads.map((r) => w.get(r.name, r.shape));
  const run = (inputs: tf.Tensor[]) => segment(inputs[0]!, declaredSource(reads, inputs.slice(1)));
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const inputs = args as tf.Tensor[];
    save(inputs);
    return {
      value: tf.tidy(() => run(inputs)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // A nested gradient computation replaces the engine's tape and clears it when done; the outer backward
        // pass still needs its own, so it is put back.
        const engine = tf.engine() as unknown as EngineTape;
        const outer = engine.state.activeTape;
        try {
          const { value, grads } = tf.engine().gradients(() => run(saved), saved, dy, true);
          value.dispose();
          return grads.map((g, i) => g ?? tf.zerosLike(saved[i]!));
        } finally {
          engine.state.activeTape = outer;
        }
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]) as (...inputs: tf.Tensor[]) => tf.Tensor;
  return op(x, ...weights);
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

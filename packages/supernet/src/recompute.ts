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

/** The parts of tfjs's engine a backward pass walks: its tape of recorded kernels. */
interface TapeNode {
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineState {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
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
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => segmentGradients(() => run(saved), saved, dy),
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

/**
 * d(sum(f() * dy)) / d(xs), like tfjs's own backward pass but freeing as it goes: a kernel's saved tensors, the
 * gradients of its outputs and its gradient's intermediates are released as soon as the kernel is done, where
 * tfjs keeps all of them to the end. Kernels are visited in the same order and gradients summed in the same order,
 * so the results are the same.
 */
function segmentGradients(f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const engine = (tf.engine() as unknown as EngineState).state;
  // Record on a tape of our own; the backward pass running this keeps walking its own tape afterwards.
  const outer = engine.activeTape;
  engine.activeTape = [];
  engine.gradientDepth++;
  let y: tf.Tensor;
  let tape: TapeNode[];
  try {
    y = tf.tidy(f);
  } finally {
    engine.gradientDepth--;
    tape = engine.activeTape ?? [];
    engine.activeTape = outer;
  }
  const fromX = new Set(xs.map((x) => x.id));
  const onPath = tape.map((node) => {
    const reached = Object.values(node.inputs).some((t) => fromX.has(t.id));
    if (reached) for (const o of node.outputs) fromX.add(o.id);
    return reached;
  });
  const grads = new Map<number, tf.Tensor>([[y.id, dy]]);
  // A tensor is released only when nothing still refers to it (a gradient may pass dy on as it is).
  const release = (t: tf.Tensor) => {
    if (t !== dy && ![...grads.values()].includes(t) && !xs.includes(t)) t.dispose();
  };
  try {
    for (let i = tape.length - 1; i >= 0; i--) {
      const node = tape[i]!;
      const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
      if (onPath[i] && dys.some((d) => d !== null)) {
        if (!node.gradient) throw new Error(`no gradient for the ${node.kernelName} kernel in a recomputed segment`);
        const names = Object.keys(node.inputs).filter((n) => fromX.has(node.inputs[n]!.id));
        const dxs = tf.tidy(() => {
          const g = node.gradient!(dys);
          return names.map((n) => g[n]!());
        });
        names.forEach((n, k) => {
          const x = node.inputs[n]!;
          const dx = dxs[k]!;
          const previous = grads.get(x.id);
          if (!previous) {
            grads.set(x.id, dx);
            return;
          }
          grads.set(x.id, tf.add(previous, dx));
          release(previous);
          release(dx);
        });
        for (const o of node.outputs) {
          const g = grads.get(o.id);
          if (!g || xs.some((x) => x.id === o.id)) continue;
          grads.delete(o.id);
          release(g);
        }
      }
      for (const t of node.saved ?? []) t.dispose();
    }
  } finally {
    for (const node of tape) for (const t of node.saved ?? []) t.dispose();
    y.dispose();
  }
  const out = xs.map((x) => grads.get(x.id) ?? tf.zerosLike(x));
  for (const [id, g] of grads) if (!xs.some((x) => x.id === id)) release(g);
  return out;
}

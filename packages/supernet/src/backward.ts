// The backward pass of training: tfjs's own (tf.variableGrads) keeps every saved tensor, every intermediate gradient
// and every gradient function's temporaries until the whole pass ends; this one walks the same tape in the same
// order with the same gradient functions, so its results are the same, but releases each of them as soon as the
// kernel that needed it is done.
import * as tf from "@tensorflow/tfjs";

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
 * value = f() (undefined unless `keepValue`) and d(sum(value * dy)) / d(xs) (dy defaults to ones); a gradient is
 * null where f does not depend on that x. Callable inside another backward pass (a recomputed segment's gradient).
 */
export function gradients(
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  keepValue = true,
): { value: tf.Tensor | undefined; grads: (tf.Tensor | null)[] } {
  const engine = (tf.engine() as unknown as EngineState).state;
  // Record on a tape of our own; a backward pass running this keeps walking its own tape afterwards.
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
  const seed = dy ?? tf.onesLike(y);
  const value = keepValue ? y : undefined;
  // The kernels that need the value keep their own reference; without a caller for it, it goes now.
  if (!keepValue) y.dispose();
  const fromX = new Set(xs.map((x) => x.id));
  const onPath = tape.map((node) => {
    const reached = Object.values(node.inputs).some((t) => fromX.has(t.id));
    if (reached) for (const o of node.outputs) fromX.add(o.id);
    return reached;
  });
  const isX = new Set(xs.map((x) => x.id));
  const grads = new Map<number, tf.Tensor>([[y.id, seed]]);
  // A tensor is released only when nothing still refers to it (a gradient may pass its dy on as it is).
  const release = (t: tf.Tensor) => {
    if (t !== dy && t !== value && !xs.includes(t) && ![...grads.values()].includes(t)) t.dispose();
  };
  try {
    for (let i = tape.length - 1; i >= 0; i--) {
      const node = tape[i]!;
      const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
      if (onPath[i] && dys.some((d) => d !== null)) {
        if (!node.gradient) throw new Error(`no gradient for the ${node.kernelName} kernel`);
        const names = Object.keys(node.inputs).filter((n) => fromX.has(node.inputs[n]!.id));
        const dxs = tf.tidy(() => {
          const g = node.gradient!(dys);
          return names.map((n) => g[n]!());
        });
        names.forEach((n, k) => {
          const x = node.inputs[n]!;
          const dx = dxs[k]!;
          if (!tf.util.arraysEqual(dx.shape, x.shape)) {
            throw new Error(`the ${node.kernelName} gradient has shape [${dx.shape}], its input [${x.shape}]`);
          }
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
          if (!g || isX.has(o.id)) continue;
          grads.delete(o.id);
          release(g);
        }
      }
      for (const t of node.saved ?? []) t.dispose();
    }
  } finally {
    for (const node of tape) for (const t of node.saved ?? []) t.dispose();
  }
  const out = xs.map((x) => grads.get(x.id) ?? null);
  for (const [id, g] of grads) if (!isX.has(id)) release(g);
  return { value, grads: out };
}

/** Like tf.variableGrads: the loss and the gradient of each variable it depends on, by variable name. */
export function variableGrads(
  f: () => tf.Scalar,
  variables: tf.Variable[],
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const { value, grads } = gradients(f, variables);
  if (!value) throw new Error("the loss was not kept");
  const named: Record<string, tf.Tensor> = {};
  variables.forEach((v, i) => {
    if (grads[i]) named[v.name] = grads[i]!;
  });
  return { value: value as tf.Scalar, grads: named };
}

// What a fine-tuning starts from: a standalone model's weights written into the one-architecture super-network
// `trainAlone` trains, and the training split it may extend with the validation images.
import * as tf from "@tensorflow/tfjs";
import type { ImageSplit } from "@vitnas/datasets";
import type { StandaloneModel, Supernet } from "@vitnas/supernet";

/**
 * Copies every tensor of `model` into the variable of the same name. A stage whose blocks differ holds its weights
 * at the stage's largest size, so a smaller block's tensor fills the leading corner and the rest keeps its
 * initialisation, unread by this architecture (the forward pass reads leading slices; stems are never sliced).
 */
export function loadWeights(supernet: Supernet, model: StandaloneModel): void {
  for (const [name, tensor] of model.tensors) {
    const variable = supernet.variables.get(name);
    if (!variable) throw new Error(`the starting weights hold ${name}, which the architecture does not read`);
    const target = variable.dataSync().slice() as Float32Array;
    const source = tensor.dataSync() as Float32Array;
    const shape = tensor.shape;
    if (shape.length !== variable.rank || shape.some((n, axis) => n > variable.shape[axis]!)) {
      throw new Error(`starting weight ${name} is [${shape}], larger than the architecture's [${variable.shape}]`);
    }
    copyLeading(source, shape, target, variable.shape);
    const values = tf.tensor(target, variable.shape, "float32");
    variable.assign(values);
    values.dispose();
  }
}

/** Writes `source` (row-major, `shape`) into the leading corner of `target` (row-major, `into`). */
function copyLeading(source: Float32Array, shape: readonly number[], target: Float32Array, into: readonly number[]) {
  const rank = shape.length;
  if (rank === 0) {
    target[0] = source[0]!;
    return;
  }
  const inner = shape[rank - 1]!;
  const rows = source.length / Math.max(1, inner);
  const index = new Array<number>(rank - 1).fill(0);
  for (let row = 0; row < rows; row++) {
    let offset = 0;
    for (let axis = 0; axis < rank - 1; axis++) offset = offset * into[axis]! + index[axis]!;
    target.set(source.subarray(row * inner, (row + 1) * inner), offset * into[rank - 1]!);
    for (let axis = rank - 2; axis >= 0; axis--) {
      if (++index[axis]! < shape[axis]!) break;
      index[axis] = 0;
    }
  }
}

/** The images of both splits, `a`'s first (same size, channels and classes). */
export function joinSplits(a: ImageSplit, b: ImageSplit): ImageSplit {
  const images = new Float32Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  const labels = new Int32Array(a.count + b.count);
  labels.set(a.labels);
  labels.set(b.labels, a.count);
  return { ...a, images, labels, count: a.count + b.count };
}

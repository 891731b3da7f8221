// What a fine-tuning starts from: a standalone model's weights written into the one-architecture super-network
// `trainAlone` trains, and the training split it may extend with the validation images.
import * as tf from "@tensorflow/tfjs";
import type { ImageSplit } from "@vitnas/datasets";
import type { StandaloneModel, Supernet } from "@vitnas/supernet";

/**
 * Copies every tensor of `model` into the variable of the same name. A stage whose blocks differ holds its weights
 * at the stage's largest size, so a smaller block's tensor fills the leading corner, zero-padded to the variable's
 * shape: the padding is never read by this architecture (the forward pass reads leading slices; stems are never
 * sliced).
 */
export function loadWeights(supernet: Supernet, model: StandaloneModel): void {
  for (const [name, tensor] of model.tensors) {
    const variable = supernet.variables.get(name);
    if (!variable) throw new Error(`the starting weights hold ${name}, which the architecture does not read`);
    const { shape } = tensor;
    if (shape.length !== variable.rank || shape.some((n, axis) => n > variable.shape[axis]!)) {
      throw new Error(`starting weight ${name} is [${shape}], larger than the architecture's [${variable.shape}]`);
    }
    tf.tidy(() =>
      variable.assign(
        tf.pad(
          tensor,
          shape.map((n, axis) => [0, variable.shape[axis]! - n]),
        ),
      ),
    );
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

// Extraction (Once-for-All's get_active_subnet): copy exactly the weight slices one architecture reads into a
// standalone model. The slices are found by running the architecture once through a recording weight source, so
// extraction can never disagree with the forward pass about what an architecture uses.
import * as tf from "@tensorflow/tfjs";
import type { VitArch } from "@vitnas/formats";
import { archForward } from "./model";
import { StandaloneModel } from "./standalone";
import { stemForward } from "./stem";
import type { Supernet } from "./supernet";
import { sameShape, type WeightSource } from "./weights";

export function extract(supernet: Supernet, arch: VitArch): StandaloneModel {
  const reads = new Map<string, number[]>();
  const source = supernet.view(arch);
  const recorder: WeightSource = {
    get(name, shape) {
      const seen = reads.get(name);
      if (seen && !sameShape(seen, shape)) throw new Error(`weight ${name} read as [${seen}] and as [${shape}]`);
      reads.set(name, shape);
      return source.get(name, shape);
    },
  };
  const { imageSize, channels } = arch.input;
  tf.tidy(() => {
    const { out } = stemForward(
      arch.stem,
      recorder,
      tf.zeros([1, imageSize, imageSize, channels]) as tf.Tensor4D,
      false,
    );
    archForward(arch, recorder, out, { training: false, castlingBranch: 0 });
  });
  const tensors = new Map<string, tf.Tensor>();
  const trainable = new Set<string>();
  for (const [name, shape] of reads) {
    tensors.set(
      name,
      tf.tidy(() => tf.clone(source.get(name, shape))),
    );
    if (supernet.specs.get(supernet.nameOf(name, arch))!.trainable) trainable.add(name);
  }
  return new StandaloneModel(structuredClone(arch), tensors, trainable);
}

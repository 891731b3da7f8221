// What the tests of per-type attention weights and per-type blocks share: a short recipe, the largest sub-network
// with one attention type everywhere, and a super-network whose biases and gains are moved off their starting values
// (zeros and ones), so that reading the wrong owner's weights changes the logits.
import * as tf from "@tensorflow/tfjs";
import type { VitArch } from "@vitnas/formats";
import { largestSubnet, type Supernet } from "../src";
import { type ALL_ATTENTION, tinySpace } from "./spaces";

export const OWNER_CONFIG = {
  epochs: 2,
  batchSize: 4,
  archsPerStep: 1,
  learningRate: 2e-3,
  weightDecay: 0.05,
  warmupEpochs: 0,
  candidateWarmupEpochs: 0,
  labelSmoothing: 0.1,
};

export const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

/** The tiny space's largest sub-network with `type` in every block. */
export function largestOfType(type: (typeof ALL_ATTENTION)[number]): VitArch {
  const arch = largestSubnet(tinySpace());
  for (const stage of arch.stages) for (const block of stage.blocks) block.attention = type;
  return arch;
}

export function perturbed(net: Supernet): Supernet {
  for (const [name, v] of net.variables) {
    if (/\.(gq|gk|conv)$/.test(name) || name.endsWith(".b")) v.assign(tf.randomUniform(v.shape, 0.2, 2, "float32", 5));
  }
  return net;
}

// A worker's health check: a tiny forward and backward pass of every attention type on the active backend.
import * as tf from "@tensorflow/tfjs";
import { ATTENTION_TYPES, type AttentionSpec, type VitSpace } from "@vitnas/formats";
import { currentBackend } from "./backend";
import { largestSubnet } from "./sampler";
import { Supernet } from "./supernet";

export interface SelfTestResult {
  backend: string;
  device: string;
  ms: number;
  ok: boolean;
  error?: string;
}

const TINY_ATTENTION: Record<(typeof ATTENTION_TYPES)[number], AttentionSpec> = {
  softmax: { type: "softmax" },
  performer: { type: "performer", features: 4 },
  linformer: { type: "linformer", k: 4, shareKV: true },
  nystrom: { type: "nystrom", landmarks: 2, iterations: 2, convKernel: 3 },
  fnet: { type: "fnet" },
  mixer: { type: "mixer", expansion: 0.5 },
  castling: { type: "castling", convKernel: 3 },
  xnorm: { type: "xnorm" },
};

export async function selfTest(): Promise<SelfTestResult> {
  const { name, device } = currentBackend();
  const started = performance.now();
  try {
    const space: VitSpace = {
      format: "vit-space/v1",
      input: { imageSize: 8, channels: 3, classes: 3 },
      stem: {
        convs: [{ out: 4, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "relu" }],
        patch: { kernel: 2, stride: 2, padding: 0 },
      },
      position: ["rope"],
      classToken: true,
      stages: [
        {
          widths: [8],
          headDim: 4,
          depth: [1],
          heads: [2],
          mlpHidden: [8],
          attention: [{ type: "softmax" }],
          reduction: ["none"],
        },
      ],
    };
    const images = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    for (const type of ATTENTION_TYPES) {
      const arch = largestSubnet(space);
      arch.stages[0]!.blocks[0]!.attention = TINY_ATTENTION[type];
      const typed = Supernet.create(
        { ...space, stages: [{ ...space.stages[0]!, attention: [TINY_ATTENTION[type]] }] },
        { seed: 0 },
      );
      try {
        const { value, grads } = tf.variableGrads(
          () =>
            tf.mean(
              tf.square(typed.forward([arch], images, [2], { training: true, castlingBranch: 0.5 }).logits),
            ) as tf.Scalar,
          typed.trainableVariables(),
        );
        const total = tf.tidy(() => tf.addN([value, ...Object.values(grads).map((g) => tf.sum(g))]));
        const finite = Number.isFinite((await total.data())[0]!);
        tf.dispose([total, value, ...Object.values(grads)]);
        if (!finite) throw new Error(`${type}: non-finite loss or gradient`);
      } finally {
        typed.dispose();
      }
    }
    images.dispose();
    return { backend: name, device, ms: performance.now() - started, ok: true };
  } catch (error) {
    return { backend: name, device, ms: performance.now() - started, ok: false, error: (error as Error).message };
  }
}

// Small complete spaces and architectures for the tests (tiny images, widths 16-32).
import type { AttentionSpec, VitArch, VitSpace } from "@vitnas/formats";

export const ALL_ATTENTION: AttentionSpec[] = [
  { type: "softmax" },
  { type: "performer", features: 8 },
  { type: "linformer", k: 4, shareKV: true },
  { type: "nystrom", landmarks: 4, iterations: 3, convKernel: 3 },
  { type: "fnet" },
  { type: "mixer", expansion: 0.5 },
  { type: "castling", convKernel: 3 },
  { type: "xnorm" },
];

/** Two stages on 8x8 images: patch 2 -> 4x4 grid, then a residual or no reduction. */
export function tinySpace(attention: AttentionSpec[] = ALL_ATTENTION, overrides: Partial<VitSpace> = {}): VitSpace {
  return {
    format: "vit-space/v1",
    input: { imageSize: 8, channels: 3, classes: 4 },
    stem: {
      convs: [{ out: 8, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "relu" }],
      patch: { kernel: 2, stride: 2, padding: 0 },
    },
    position: ["learned", "rope"],
    classToken: true,
    stages: [
      {
        widths: [16, 24],
        headDim: 8,
        depth: [1, 2],
        heads: [1, 2],
        mlpHidden: [16, 32],
        attention,
        reduction: ["none"],
      },
      {
        widths: [24, 32],
        headDim: 8,
        depth: [1, 2],
        heads: [2, 3],
        mlpHidden: [32, 48],
        attention,
        reduction: ["residual", "none"],
      },
    ],
    ...overrides,
  };
}

/** One architecture of tinySpace with every block using `attention`. */
export function tinyArch(
  attention: AttentionSpec,
  options: { small?: boolean; position?: VitArch["position"] } = {},
): VitArch {
  const small = options.small ?? false;
  return {
    format: "vit-arch/v1",
    input: { imageSize: 8, channels: 3, classes: 4 },
    stem: {
      convs: [{ out: 8, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "relu" }],
      patch: { kernel: 2, stride: 2, padding: 0 },
    },
    position: options.position ?? "learned",
    classToken: true,
    stages: [
      {
        width: small ? 16 : 24,
        headDim: 8,
        reduction: "none",
        blocks: (small ? [1] : [2, 1]).map((heads) => ({ heads, mlpHidden: small ? 16 : 32, attention })),
      },
      {
        width: small ? 24 : 32,
        headDim: 8,
        reduction: "residual",
        blocks: (small ? [2] : [3, 2]).map((heads) => ({ heads, mlpHidden: small ? 32 : 48, attention })),
      },
    ],
  };
}

/** A space with one option per choice (so training runs one known architecture): 2 stages of 1 block. */
export function fixedSpace(attention: AttentionSpec): VitSpace {
  return tinySpace([attention], {
    classToken: false,
    position: ["learned"],
    stages: [
      {
        widths: [16],
        headDim: 8,
        depth: [1],
        heads: [2],
        mlpHidden: [32],
        attention: [attention],
        reduction: ["none"],
      },
      {
        widths: [24],
        headDim: 8,
        depth: [1],
        heads: [3],
        mlpHidden: [48],
        attention: [attention],
        reduction: ["residual"],
      },
    ],
  });
}

export const TRAIN_CONFIG = {
  epochs: 100,
  batchSize: 4,
  archsPerStep: 1,
  learningRate: 3e-3,
  weightDecay: 0.01,
  warmupEpochs: 0,
  candidateWarmupEpochs: 0,
  labelSmoothing: 0,
};

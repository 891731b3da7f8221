// A ViT-ResNAS-like space (Liao et al.): a residual conv stem, three stages joined by residual spatial reductions,
// softmax attention, searched widths, depths, heads and MLP sizes. Scaled to 32 px so it runs on synthetic data;
// point `dataset` at CIFAR-10 or an image folder for real results.
import type { NasSearchInput } from "@vitnas/formats";

export const vitResnas: NasSearchInput = {
  format: "nas-search/v1",
  name: "vit-resnas-like",
  space: {
    format: "vit-space/v1",
    input: { imageSize: 32, channels: 3, classes: 10 },
    stem: {
      convs: [
        { out: 24, kernel: 3, stride: 1, norm: "batch", act: "relu" },
        {
          residual: [
            { out: 24, kernel: 3, stride: 1, norm: "batch", act: "relu" },
            { out: 24, kernel: 3, stride: 1, norm: "batch", act: "relu" },
          ],
        },
      ],
      patch: { kernel: 2, stride: 2 },
    },
    position: "learned",
    classToken: true,
    stages: [
      {
        widths: [48, 64],
        headDim: 16,
        depth: [1, 2, 3],
        heads: [2, 3, 4],
        mlpHidden: [96, 128, 192, 256],
        attention: ["softmax"],
      },
      {
        widths: [96, 128],
        headDim: 24,
        depth: [1, 2, 3],
        heads: [2, 4, 6],
        mlpHidden: [192, 256, 384, 512],
        attention: ["softmax"],
        reduction: ["residual"],
      },
      {
        widths: [192, 256],
        headDim: 32,
        depth: [1, 2, 3],
        heads: [4, 6, 8],
        mlpHidden: [384, 512, 768, 1024],
        attention: ["softmax"],
        reduction: ["residual"],
      },
    ],
  },
  dataset: { kind: "synthetic", classes: 10, imageSize: 32, train: 4000, val: 1000, seed: 7 },
  supernet: { epochs: 6, batchSize: 64, archsPerStep: 4, learningRate: 0.001, weightDecay: 0.05 },
  search: { population: 48, generations: 10, mutationProb: 0.3, crossoverProb: 0.5 },
  seed: 1,
};

// A small space on synthetic 32 px images: a search that finishes in minutes on one CPU core.
import type { NasSearchInput } from "@vitnas/formats";

export const demo: NasSearchInput = {
  format: "nas-search/v1",
  name: "demo",
  space: {
    format: "vit-space/v1",
    input: { imageSize: 32, channels: 3, classes: 10 },
    stem: { convs: [], patch: { kernel: 4, stride: 4 } },
    position: ["learned", "rope"],
    classToken: true,
    stages: [
      {
        widths: [32, 48, 64],
        headDim: 16,
        depth: [1, 2],
        heads: [1, 2],
        mlpHidden: [64, 128],
        attention: ["softmax", "performer", "linformer", "fnet", "mixer"],
      },
      {
        widths: [64, 96],
        headDim: 16,
        depth: [1, 2],
        heads: [2, 4],
        mlpHidden: [128, 192],
        attention: ["softmax", "xnorm", "castling"],
        reduction: ["residual", "none"],
      },
    ],
  },
  dataset: { kind: "synthetic", classes: 10, imageSize: 32, train: 1000, val: 250, seed: 7 },
  supernet: { epochs: 2, batchSize: 64, archsPerStep: 2 },
  search: { population: 16, generations: 3, constraints: { macs: { max: 5_000_000 } } },
  seed: 1,
};

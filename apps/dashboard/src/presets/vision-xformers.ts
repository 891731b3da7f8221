// A Vision X-formers-like space (Jeevan and Sethi): a hybrid conv embedding, one isotropic stage, and the choice of
// attention among the linear-cost X-formers (Performer, Linformer, Nyströmformer) and the token mixers (FNet, MLP
// mixer), with rotary or learned position information.
import type { NasSearchInput } from "@vitnas/formats";

export const visionXformers: NasSearchInput = {
  format: "nas-search/v1",
  name: "vision-xformers-like",
  space: {
    format: "vit-space/v1",
    input: { imageSize: 32, channels: 3, classes: 10 },
    stem: {
      convs: [{ out: 32, kernel: 3, stride: 1, norm: "batch", act: "relu" }],
      patch: { kernel: 4, stride: 4 },
    },
    position: ["rope", "learned"],
    classToken: true,
    stages: [
      {
        widths: [64, 96, 128],
        headDim: 16,
        depth: [2, 4, 6],
        heads: [2, 4],
        mlpHidden: [128, 256],
        attention: [
          "softmax",
          { type: "performer", features: 32 },
          { type: "linformer", k: 32 },
          { type: "nystrom", landmarks: 16 },
          "fnet",
          "mixer",
        ],
      },
    ],
  },
  dataset: { kind: "synthetic", classes: 10, imageSize: 32, train: 4000, val: 1000, seed: 7 },
  supernet: { epochs: 6, batchSize: 64, archsPerStep: 4 },
  search: { population: 32, generations: 8 },
  seed: 1,
};

import * as tf from "@tensorflow/tfjs";
import { initBackend, largestArch, Supernet } from "./src";

await initBackend({ force: "cpu", log: null });
const type = process.argv[2] ?? "xnorm";
const space: any = {
  format: "vit-space/v1",
  input: { imageSize: 32, channels: 3, classes: 10 },
  stem: { convs: [], patch: { kernel: 1, stride: 1, padding: 0 } },
  position: ["learned"],
  classToken: true,
  stages: [
    {
      widths: [64],
      headDim: 16,
      depth: [1],
      heads: [4],
      mlpHidden: [128],
      attention: [
        type === "performer"
          ? { type, features: 44 }
          : type === "nystrom"
            ? { type, landmarks: 64, iterations: 6, convKernel: 33 }
            : type === "linformer"
              ? { type, k: 64, shareKV: true }
              : { type },
      ],
      reduction: ["none"],
    },
  ],
};
const net = Supernet.create(space, { seed: 5 });
const images = tf.randomNormal([2, 32, 32, 3]) as tf.Tensor4D;
const arch = largestArch(space);
const before = tf.memory().numBytes;
const info = await tf.profile(() => {
  const { value, grads } = tf.variableGrads(
    () =>
      tf.mean(tf.square(net.forward([arch], images, [2], { training: true, castlingBranch: 0 }).logits)) as tf.Scalar,
    net.trainableVariables(),
  );
  tf.dispose([value, ...Object.values(grads)]);
});
console.log(type, "before MB", before / 2 ** 20, "peak MB", info.peakBytes / 2 ** 20, "new", info.newBytes);
const big = info.kernels
  .map((k) => ({
    n: k.name,
    o: k.outputShapes,
    b: (k.outputShapes as number[][]).reduce((s, sh) => s + (sh ? sh.reduce((a, c) => a * c, 1) : 0), 0) * 4,
  }))
  .sort((a, b) => b.b - a.b)
  .slice(0, 8);
console.log(big.map((x) => `${x.n} ${JSON.stringify(x.o)} ${(x.b / 2 ** 20).toFixed(1)}MB`).join("\n"));

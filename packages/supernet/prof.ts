import * as tf from "@tensorflow/tfjs";
import { initBackend, largestArch, Supernet } from "./src";

await initBackend({ force: process.argv[2] ?? "wasm", log: null });
const space: any = {
  format: "vit-space/v1",
  input: { imageSize: 32, channels: 3, classes: 10 },
  stem: { convs: [], patch: { kernel: 4, stride: 4, padding: 0 } },
  position: ["learned"],
  classToken: true,
  stages: [
    {
      widths: [64],
      headDim: 16,
      depth: [4],
      heads: [4],
      mlpHidden: [256],
      attention: [{ type: process.argv[3] ?? "softmax" }],
      reduction: ["none"],
    },
  ],
};
const net = Supernet.create(space, { seed: 5 });
const images = tf.randomNormal([32, 32, 32, 3]) as tf.Tensor4D;
const arch = largestArch(space);
const f = () =>
  tf.mean(tf.square(net.forward([arch], images, [32], { training: true, castlingBranch: 0 }).logits)) as tf.Scalar;
const g = () => {
  const { value, grads } = tf.variableGrads(f, net.trainableVariables());
  tf.dispose([value, ...Object.values(grads)]);
};
for (let i = 0; i < 2; i++) g();
let t = performance.now();
for (let i = 0; i < 3; i++) g();
console.log("fwd+bwd ms", (performance.now() - t) / 3);
t = performance.now();
for (let i = 0; i < 3; i++) tf.tidy(f);
console.log("fwd ms", (performance.now() - t) / 3);
const prof = await tf.profile(g);
const by = new Map<string, [number, number]>();
for (const k of prof.kernels) {
  const e = by.get(k.name) ?? [0, 0];
  e[0] += k.kernelTimeMs as number;
  e[1]++;
  by.set(k.name, e);
}
console.log(
  [...by]
    .sort((a, b) => b[1][0] - a[1][0])
    .slice(0, 14)
    .map(([n, [ms, c]]) => `${n} ${ms.toFixed(1)}ms x${c}`)
    .join("\n"),
  prof.kernels.length,
);
const top = prof.kernels
  .sort((a, b) => (b.kernelTimeMs as number) - (a.kernelTimeMs as number))
  .slice(0, 12)
  .map((k) => `${k.name} ${(k.kernelTimeMs as number).toFixed(1)} ${JSON.stringify(k.inputShapes)}`);
console.log(top.join("\n"));

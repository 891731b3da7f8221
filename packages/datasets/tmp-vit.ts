import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { loadDataset } from "./src/load";
import { trainLinear, trainTinyVit } from "./test/tiny-vit";

await tf.setBackend("wasm");
const classes = Number(process.argv[2] ?? 10),
  n = Number(process.argv[3] ?? 2000),
  epochs = Number(process.argv[4] ?? 8);
const d = await loadDataset({ kind: "synthetic", classes, imageSize: 32, channels: 3, train: n, val: 500, seed: 3 });
let t = Date.now();
console.log("linear", trainLinear(d.train, d.val, 3, 0.005), Date.now() - t);
t = Date.now();
console.log(
  "vit",
  await trainTinyVit(d.train, d.val, {
    patch: 4,
    width: 32,
    heads: 2,
    depth: 2,
    mlp: 64,
    epochs,
    batchSize: 32,
    learningRate: 2e-3,
    seed: 1,
  }),
  Date.now() - t,
);

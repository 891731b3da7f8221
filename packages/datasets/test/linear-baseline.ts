// The baseline the synthetic task must defeat: softmax regression on raw (normalised) pixels, plain SGD.
import type { ImageSplit } from "../src/types";

export function trainLinear(train: ImageSplit, val: ImageSplit, epochs: number, learningRate: number): number {
  const features = train.imageSize * train.imageSize * train.channels;
  const k = train.classes;
  const weights = new Float32Array(features * k);
  const bias = new Float32Array(k);
  const p = new Float64Array(k);
  const scores = (images: Float32Array, i: number) => {
    const at = i * features;
    for (let j = 0; j < k; j++) p[j] = bias[j]!;
    for (let f = 0; f < features; f++) {
      const x = images[at + f]!;
      for (let j = 0; j < k; j++) p[j]! += x * weights[f * k + j]!;
    }
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < train.count; i++) {
      scores(train.images, i);
      const max = Math.max(...p);
      let z = 0;
      for (let j = 0; j < k; j++) z += p[j] = Math.exp(p[j]! - max);
      for (let j = 0; j < k; j++) p[j] = p[j]! / z - (j === train.labels[i] ? 1 : 0);
      const at = i * features;
      for (let f = 0; f < features; f++) {
        const x = train.images[at + f]!;
        for (let j = 0; j < k; j++) weights[f * k + j]! -= learningRate * (p[j]! * x + 1e-3 * weights[f * k + j]!);
      }
      for (let j = 0; j < k; j++) bias[j]! -= learningRate * p[j]!;
    }
  }
  let correct = 0;
  for (let i = 0; i < val.count; i++) {
    scores(val.images, i);
    if (p.indexOf(Math.max(...p)) === val.labels[i]) correct++;
  }
  return correct / val.count;
}

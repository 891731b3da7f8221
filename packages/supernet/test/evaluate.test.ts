// Accuracy with inherited weights: matches the super-network's own predictions, and many candidates in a row
// neither leak tensors nor depend on the feature cache.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchSampler, Evaluator, evaluate, initBackend, Supernet } from "../src";
import { patternSplit } from "./data";
import { tinySpace } from "./spaces";

let net: Supernet;
const split = patternSplit(10, 8, 4, 9);

beforeAll(async () => {
  await initBackend({ force: "wasm", log: null });
  net = Supernet.create(tinySpace(), { seed: 13 });
});
afterAll(() => net.dispose());

describe("evaluate", () => {
  it("counts the images whose top logit is their label", async () => {
    const arch = new ArchSampler(net.space, 1).sample(0);
    const logits = net.predict(arch, tf.tensor4d(split.images, [10, 8, 8, 3]));
    const predicted = await tf.argMax(logits, 1).data();
    const expected = Array.from(predicted).filter((p, i) => p === split.labels[i]).length / 10;
    expect(await evaluate(net, arch, split, { batchSize: 4 })).toBeCloseTo(expected, 10);
  });

  it("evaluates many candidates with cached stem features, without leaking tensors", async () => {
    const sampler = new ArchSampler(net.space, 2);
    const archs = Array.from({ length: 6 }, () => sampler.sample(3));
    const evaluator = new Evaluator(net, split, { batchSize: 4 });
    // The first round fills the feature cache and the fixed per-geometry constants (rotary tables).
    const first: number[] = [];
    for (const arch of archs) first.push(await evaluator.accuracy(arch));
    const tensors = tf.memory().numTensors;
    const cached: number[] = [];
    for (const arch of archs) cached.push(await evaluator.accuracy(arch));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(cached).toEqual(first);
    const uncached = await Promise.all(archs.map((arch) => evaluate(net, arch, split, { batchSize: 3 })));
    expect(cached).toEqual(uncached);
    for (const a of cached) expect(a).toBeGreaterThanOrEqual(0);
    evaluator.dispose();
    expect(tf.memory().numTensors).toBeLessThan(tensors);
  });
});

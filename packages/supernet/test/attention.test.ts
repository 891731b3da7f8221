// Every attention type trains on both portable backends, and the two backends compute the same forward pass.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { initBackend, largestSubnet, Supernet, Trainer } from "../src";
import { patternSplit } from "./data";
import { ALL_ATTENTION, fixedSpace, TRAIN_CONFIG } from "./spaces";

const STEPS = 8;

async function run(backend: string, spec: (typeof ALL_ATTENTION)[number]) {
  await initBackend({ force: backend, log: null });
  const space = fixedSpace(spec);
  const net = Supernet.create(space, { seed: 5 });
  const data = patternSplit(4);
  const images = tf.tensor4d(data.images, [4, 8, 8, 3]);
  const logits = net.predict(largestSubnet(space), images);
  const before = await logits.data();
  tf.dispose([images, logits]);
  const trainer = new Trainer(net, data, TRAIN_CONFIG, { seed: 2, augment: false });
  const losses = (await trainer.trainSteps(STEPS)).map((r) => r.loss);
  trainer.dispose();
  net.dispose();
  return { before: Float32Array.from(before), losses };
}

describe.each(ALL_ATTENTION.map((spec) => [spec.type, spec] as const))("%s attention", (_type, spec) => {
  it("trains (loss goes down) on cpu and wasm, and both backends agree on the forward pass", async () => {
    const cpu = await run("cpu", spec);
    const wasm = await run("wasm", spec);
    for (const r of [cpu, wasm]) {
      expect(r.losses.every(Number.isFinite)).toBe(true);
      expect(r.losses[STEPS - 1]!).toBeLessThan(r.losses[0]! - 0.1);
    }
    const scale = Math.max(...cpu.before.map(Math.abs));
    const diff = Math.max(...cpu.before.map((x, i) => Math.abs(x - wasm.before[i]!)));
    expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
    expect(Math.abs(cpu.losses[0]! - wasm.losses[0]!)).toBeLessThan(1e-4);
  });
});

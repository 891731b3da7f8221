// Re-ordering on the wasm backend leaves variables that its fused kernels accept (a training step after it runs).
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, largestSubnet, rewire, Supernet } from "../src";
import { patternSplit } from "./data";
import { tinySpace } from "./spaces";

let net: Supernet;
let images: tf.Tensor4D;

beforeAll(async () => {
  await initBackend({ force: "wasm", log: null });
  net = Supernet.create(tinySpace(), { seed: 3 });
  images = tf.tensor4d(patternSplit(2).images, [2, 8, 8, 3]);
});
afterAll(() => {
  net.dispose();
  images.dispose();
});

describe("rewire on wasm", () => {
  it("keeps the largest sub-network's output and every variable usable by the fused matmul", async () => {
    const arch = largestSubnet(tinySpace());
    const before = await net.predict(arch, images).data();
    rewire(net);
    const after = await net.predict(arch, images).data();
    expect(Math.max(...before.map((x, k) => Math.abs(x - after[k]!)))).toBeLessThan(1e-4);
    for (const [name, v] of net.variables) {
      const backing = tf.engine().backend as unknown as { dataIdMap?: { get(id: object): { shape?: number[] } } };
      const stored = backing.dataIdMap?.get(v.dataId)?.shape;
      if (stored) expect(stored.length, name).toBe(v.shape.length);
    }
  });
});

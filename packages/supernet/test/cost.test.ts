// A sub-network slices the shared weights instead of masking them: it executes the matmul work of its own size
// (the same as its extracted standalone model), less than the largest sub-network.
import * as tf from "@tensorflow/tfjs";
import type { VitArch } from "@vitnas/formats";
import { countArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract, initBackend, Supernet } from "../src";
import { tinyArch, tinySpace } from "./spaces";

let net: Supernet;
let images: tf.Tensor4D;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  net = Supernet.create(tinySpace(), { seed: 2 });
  images = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 1) as tf.Tensor4D;
});
afterAll(() => {
  net.dispose();
  images.dispose();
});

/** Multiply-adds of every matmul a function executed, from the kernels' input shapes. */
async function matmulMacs(run: () => tf.Tensor): Promise<number> {
  const info = await tf.profile(() => {
    run().dispose();
  });
  let macs = 0;
  for (const k of info.kernels) {
    if (k.name !== "BatchMatMul" && k.name !== "_FusedMatMul") continue;
    const [a, b] = k.inputShapes as number[][];
    const out = k.outputShapes[0] as number[];
    const inner = a!.length === b!.length ? sharedDim(a!, b!, out) : 0;
    macs += out.reduce((x, y) => x * y, 1) * inner;
  }
  return macs;
}

/** The contracted dimension of a matmul from its operand and output shapes. */
function sharedDim(a: number[], b: number[], out: number[]): number {
  const [m, n] = out.slice(-2) as [number, number];
  const [a0, a1] = a.slice(-2) as [number, number];
  const [b0, b1] = b.slice(-2) as [number, number];
  if (a0 === m && b1 === n && a1 === b0) return a1;
  if (a1 === m && b1 === n && a0 === b0) return a0;
  if (a0 === m && b0 === n && a1 === b1) return a1;
  return a0 === b1 ? a0 : a1;
}

describe("sub-network cost", () => {
  it.each(["softmax", "xnorm"] as const)(
    "%s: a smaller sub-network executes fewer MACs, as its standalone model does",
    async (type) => {
      const small: VitArch = tinyArch({ type }, { small: true });
      const large: VitArch = tinyArch({ type });
      expect(countArch(small).macs).toBeLessThan(countArch(large).macs);
      const smallMacs = await matmulMacs(() => net.predict(small, images));
      const largeMacs = await matmulMacs(() => net.predict(large, images));
      expect(smallMacs).toBeLessThan(largeMacs);
      const model = extract(net, small);
      expect(await matmulMacs(() => model.predict(images))).toBe(smallMacs);
      model.dispose();
      // Matmuls are most of the counted MACs; the counter's per-image figure times the batch bounds them from below.
      expect(smallMacs).toBeGreaterThanOrEqual(countArch(small).macs * 2 * 0.9);
    },
  );
});

// Re-ordering by importance keeps the largest sub-network's function and puts the most important units first.
import * as tf from "@tensorflow/tfjs";
import type { AttentionSpec, VitArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, largestSubnet, rewire, Supernet } from "../src";
import { patternSplit } from "./data";
import { ALL_ATTENTION, tinyArch, tinySpace } from "./spaces";

let net: Supernet;
let images: tf.Tensor4D;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  net = Supernet.create(tinySpace(), { seed: 21 });
  // Per-head extras away from their initial constants, so a head permutation that forgot them would show.
  for (const [name, v] of net.variables) {
    if (/\.(gq|gk|conv)$/.test(name)) v.assign(tf.randomUniform(v.shape, 0.2, 2, "float32", 5));
  }
  images = tf.tensor4d(patternSplit(2).images, [2, 8, 8, 3]);
});
afterAll(() => {
  net.dispose();
  images.dispose();
});

/** The largest architecture of the space with every block of one attention type. */
function largest(spec: AttentionSpec): VitArch {
  const arch = largestSubnet(tinySpace());
  for (const stage of arch.stages) for (const block of stage.blocks) block.attention = spec;
  return arch;
}

async function l1(name: string, axis: number[], view?: number[]) {
  const v = net.variables.get(name)!;
  return Array.from(await tf.tidy(() => tf.sum(tf.abs(view ? tf.reshape(v, view) : v), axis)).data());
}

describe("rewire", () => {
  it("keeps every attention type's largest sub-network unchanged and sorts units by importance", async () => {
    const before = await Promise.all(ALL_ATTENTION.map((spec) => net.predict(largest(spec), images).data()));
    const smallBefore = await net.predict(tinyArch(ALL_ATTENTION[0]!, { small: true }), images).data();
    rewire(net);
    const after = await Promise.all(ALL_ATTENTION.map((spec) => net.predict(largest(spec), images).data()));
    ALL_ATTENTION.forEach((spec, i) => {
      const diff = Math.max(...before[i]!.map((x, k) => Math.abs(x - after[i]![k]!)));
      expect(diff, spec.type).toBeLessThan(1e-4);
    });
    // MLP units of a block: importance in + out, now non-increasing.
    const w1 = await l1("s1.b0.mlp1.w", [0]);
    const w2 = await l1("s1.b0.mlp2.w", [1]);
    const mlp = w1.map((x, i) => x + w2[i]!);
    for (let i = 1; i < mlp.length; i++) expect(mlp[i]!).toBeLessThanOrEqual(mlp[i - 1]! + 1e-6);
    // Heads of a block (3 heads of 8 in stage 1).
    const q = await l1("s1.b0.qkv.w", [0, 1, 3], [32, 3, 3, 8]);
    const o = await l1("s1.b0.proj.w", [1, 2], [3, 8, 32]);
    const heads = q.map((x, i) => x + o[i]!);
    for (let i = 1; i < heads.length; i++) expect(heads[i]!).toBeLessThanOrEqual(heads[i - 1]! + 1e-6);
    // A smaller sub-network now reads other units than before.
    const smallAfter = await net.predict(tinyArch(ALL_ATTENTION[0]!, { small: true }), images).data();
    expect(Math.max(...smallBefore.map((x, k) => Math.abs(x - smallAfter[k]!)))).toBeGreaterThan(1e-4);
  });
});

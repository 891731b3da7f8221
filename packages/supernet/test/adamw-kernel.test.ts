// The fused AdamW kernel of the wasm backend (src/kernels/adamw.ts) against the same update in tfjs ops: equal
// weights and moments over several steps, with and without weight decay, and its inputs left as they were.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../src";
import { AdamW } from "../src/adamw";
import { ADAMW_KERNEL, adamwUpdate, hasAdamWKernel } from "../src/kernels/adamw";
import { Random } from "../src/random";

beforeAll(async () => {
  await initBackend({ force: "wasm", log: null });
});

const SHAPES: Record<string, number[]> = { a: [7, 13], b: [64], c: [3, 4, 5] };

function weights(seed: number): Map<string, tf.Variable> {
  const rng = new Random(seed);
  return new Map(
    Object.entries(SHAPES).map(([name, shape]) => [
      name,
      tf.variable(
        tf.tensor(
          Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.normal()),
          shape,
        ),
      ),
    ]),
  );
}

function gradients(rng: Random, scale: number): Map<string, tf.Tensor> {
  return new Map(
    Object.entries(SHAPES).map(([name, shape]) => [
      name,
      tf.tensor(
        Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => scale * rng.normal()),
        shape,
      ),
    ]),
  );
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe("fused AdamW kernel", () => {
  it("is registered for wasm by initBackend", () => {
    expect(tf.getBackend()).toBe("wasm");
    expect(hasAdamWKernel()).toBe(true);
    expect(tf.getKernel(ADAMW_KERNEL, "cpu")).toBeUndefined();
  });

  it("updates weights and moments as the tfjs ops do, over 6 steps, with and without decay", () => {
    const fused = new AdamW();
    const ops = new AdamW({}, false);
    const wf = weights(1);
    const wo = weights(1);
    const rng = new Random(2);
    const decay = (name: string) => (name === "b" ? 0 : 0.05);
    for (let step = 0; step < 6; step++) {
      // Large and tiny gradients: the bias correction and epsilon both matter.
      const g = gradients(rng, step % 2 === 0 ? 1 : 1e-6);
      fused.apply(wf, g, 3e-3, decay);
      ops.apply(wo, g, 3e-3, decay);
      tf.dispose([...g.values()]);
    }
    let moved = 0;
    const start = weights(1);
    for (const name of Object.keys(SHAPES)) {
      expect(maxDiff(wf.get(name)!, wo.get(name)!)).toBeLessThan(1e-6);
      expect(maxDiff(fused.slots.get(name)!.m, ops.slots.get(name)!.m)).toBeLessThan(1e-6);
      expect(maxDiff(fused.slots.get(name)!.v, ops.slots.get(name)!.v)).toBeLessThan(1e-6);
      expect(fused.slots.get(name)!.t).toBe(6);
      moved = Math.max(moved, maxDiff(wf.get(name)!, start.get(name)!));
    }
    // The comparison means something: six steps of 3e-3 moved the weights.
    expect(moved).toBeGreaterThan(5e-3);
    tf.dispose([...wf.values(), ...wo.values(), ...start.values()]);
    fused.dispose();
    ops.dispose();
  });

  it("leaves its inputs unchanged and frees nothing it did not make", () => {
    const w = tf.tensor([1, -2, 3]);
    const g = tf.tensor([0.5, 0.5, -1]);
    const m = tf.zeros([3]);
    const v = tf.zeros([3]);
    const before = tf.memory().numTensors;
    const out = adamwUpdate(w, g, m, v, { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, decay: 0, t: 1 });
    expect(tf.memory().numTensors).toBe(before + 3);
    expect(Array.from(w.dataSync())).toEqual([1, -2, 3]);
    expect(Array.from(m.dataSync())).toEqual([0, 0, 0]);
    // First step: m^ = g, v^ = g^2, so each weight moves by lr * sign(g).
    const next = Array.from(out[0]!.dataSync());
    expect(next[0]).toBeCloseTo(0.9, 5);
    expect(next[1]).toBeCloseTo(-2.1, 5);
    expect(next[2]).toBeCloseTo(3.1, 5);
    tf.dispose([w, g, m, v, ...out]);
  });

  it("refuses tensors of different shapes", () => {
    const [w, g] = [tf.zeros([3]), tf.zeros([4])];
    expect(() => adamwUpdate(w, g, w, w, { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, decay: 0, t: 1 })).toThrow(
      /shapes differ/,
    );
    tf.dispose([w, g]);
  });
});

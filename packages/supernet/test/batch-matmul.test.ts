// The wasm backend's SIMD BatchMatMul (src/kernels/batch-matmul.ts) against tfjs's own kernel: every product shape
// the model makes (transposes, broadcast batches, sizes that are not multiples of 4), and the whole model's loss
// and gradients for every attention type, each computed with one kernel and then the other.
import * as tf from "@tensorflow/tfjs";
import type { AttentionSpec } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, Supernet } from "../src";
import { variableGrads } from "../src/backward";
import { useBatchMatMul } from "../src/kernels/batch-matmul";
import { patternSplit } from "./data";
import { ALL_ATTENTION, tinyArch, tinySpace } from "./spaces";

beforeAll(async () => {
  await initBackend({ force: "wasm", log: null });
});
afterAll(() => useBatchMatMul("simd"));

/** `f`'s tensors with tfjs's kernel and with the SIMD one. */
function both(f: () => tf.Tensor[]): { tfjs: Float32Array[]; simd: Float32Array[] } {
  const run = (which: "tfjs" | "simd") => {
    useBatchMatMul(which);
    const out = f();
    const values = out.map((t) => t.dataSync() as Float32Array);
    tf.dispose(out);
    return values;
  };
  return { tfjs: run("tfjs"), simd: run("simd") };
}

function expectClose(a: Float32Array[], b: Float32Array[], tolerance: number) {
  expect(b.map((x) => x.length)).toEqual(a.map((x) => x.length));
  a.forEach((x, i) => {
    const scale = Math.max(1, ...x.map(Math.abs));
    const worst = x.reduce((w, v, j) => Math.max(w, Math.abs(v - b[i]![j]!)), 0);
    expect(worst / scale, `tensor ${i}`).toBeLessThan(tolerance);
  });
}

describe("SIMD BatchMatMul", () => {
  it("is the wasm backend's kernel after initBackend", () => {
    const fn = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc;
    useBatchMatMul("tfjs");
    expect(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc).not.toBe(fn);
    useBatchMatMul("simd");
    expect(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc).toBe(fn);
  });

  const CASES: [string, number[], number[], boolean, boolean][] = [
    ["q k^T, heads", [2, 3, 9, 5], [2, 3, 9, 5], false, true],
    ["p v, heads", [2, 3, 9, 9], [2, 3, 9, 5], false, false],
    ["p^T dy", [2, 3, 9, 7], [2, 3, 9, 5], true, false],
    ["both transposed", [4, 6, 7], [4, 5, 6], true, true],
    ["left batch broadcast", [1, 7, 6], [5, 6, 3], false, false],
    ["right batch broadcast", [5, 7, 6], [1, 6, 3], false, false],
    ["one row, one column", [3, 1, 4], [3, 4, 1], false, false],
    ["inner size 1", [3, 5, 1], [3, 1, 6], false, false],
    ["batch 1, transposed", [1, 13, 6], [1, 11, 6], false, true],
  ];
  it.each(CASES)("equals tfjs's kernel: %s", (_name, sa, sb, ta, tb) => {
    const a = tf.randomNormal(sa, 0, 1, "float32", 1);
    const b = tf.randomNormal(sb, 0, 1, "float32", 2);
    const shapes: number[][] = [];
    const { tfjs, simd } = both(() => {
      const out = tf.matMul(a, b, ta, tb);
      shapes.push(out.shape);
      return [out];
    });
    expect(shapes[1]).toEqual(shapes[0]);
    expectClose(tfjs, simd, 1e-6);
    tf.dispose([a, b]);
  });

  it("names mismatched inner sizes", () => {
    const a = tf.zeros([2, 3, 4]);
    const b = tf.zeros([2, 5, 6]);
    expect(() => tf.matMul(a, b)).toThrow(/inner shapes \(4\) and \(5\)/);
    tf.dispose([a, b]);
  });
});

describe.each(ALL_ATTENTION.map((spec): [string, AttentionSpec] => [spec.type, spec]))(
  "the model with %s attention",
  (_name, spec) => {
    it("has the same loss and gradients with either kernel", () => {
      const split = patternSplit(4);
      const images = tf.tensor4d(split.images, [4, 8, 8, 3]);
      const targets = tf.oneHot(tf.tensor1d(split.labels, "int32"), 4).toFloat();
      const net = Supernet.create(tinySpace([spec]), { seed: 5 });
      const arch = tinyArch(spec, { position: spec.type === "softmax" ? "rope" : "learned" });
      const { tfjs, simd } = both(() => {
        const { value, grads } = variableGrads(
          () =>
            tf.tidy(() => {
              const { logits } = net.forward([arch], images, [4], { training: true, castlingBranch: 0.5 });
              return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
            }),
          net.trainableVariables(),
        );
        return [value, ...Object.values(grads)];
      });
      expect(simd.length).toBeGreaterThan(10);
      expectClose(tfjs, simd, 1e-4);
      net.dispose();
      tf.dispose([images, targets]);
    });
  },
);

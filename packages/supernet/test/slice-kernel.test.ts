// The wasm backend's heap-copy Slice (src/kernels/slice.ts) against tfjs's own kernel: exactly the same values for
// slices of every rank, contiguous or not, float32 and int32, and the same gradients through a model.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../src";
import { useSlice } from "../src/kernels/slice";
import { Random } from "../src/random";

beforeAll(async () => {
  await initBackend({ force: "wasm", log: null });
});
afterAll(() => useSlice("heap"));

function both<T>(f: () => T): { tfjs: T; heap: T } {
  useSlice("tfjs");
  const tfjs = f();
  useSlice("heap");
  return { tfjs, heap: f() };
}

describe("heap-copy Slice", () => {
  it("is the wasm backend's kernel after initBackend", () => {
    const heap = tf.getKernel("Slice", "wasm")!.kernelFunc;
    useSlice("tfjs");
    expect(tf.getKernel("Slice", "wasm")!.kernelFunc).not.toBe(heap);
    useSlice("heap");
    expect(tf.getKernel("Slice", "wasm")!.kernelFunc).toBe(heap);
  });

  it("equals tfjs's kernel on random slices of ranks 1-5, float32 and int32", () => {
    const rng = new Random(11);
    const int = (n: number) => Math.floor(rng.next() * n);
    for (let trial = 0; trial < 200; trial++) {
      const rank = 1 + int(5);
      const shape = Array.from({ length: rank }, () => 1 + int(6));
      const begin = shape.map((d) => int(d));
      // -1 (to the end) sometimes, a whole axis sometimes, else a part
      const size = shape.map((d, i) => [-1, d - begin[i]!, 1 + int(d - begin[i]!)][int(3)]!);
      const dtype = trial % 2 ? "int32" : "float32";
      const x = tf.tensor(
        Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => i * 3 - 7),
        shape,
        dtype,
      );
      const { tfjs, heap } = both(() => {
        const y = tf.slice(x, begin, size);
        const out = { shape: y.shape, values: Array.from(y.dataSync()) };
        y.dispose();
        return out;
      });
      expect(heap, `${shape} ${begin} ${size} ${dtype}`).toEqual(tfjs);
      x.dispose();
    }
  });

  it("slices the q/k/v columns of a projection, and a zero-size slice", () => {
    const y = tf.randomNormal([130, 48], 0, 1, "float32", 3);
    const { tfjs, heap } = both(() => [1, 2].map((i) => Array.from(tf.slice(y, [0, i * 16], [130, 16]).dataSync())));
    expect(heap).toEqual(tfjs);
    expect(Array.from(tf.slice(tf.tensor1d([4, 5, 6]), [1], [0]).dataSync())).toEqual([]);
    y.dispose();
  });

  it("gives the same gradients as tfjs's kernel", () => {
    const x = tf.randomNormal([6, 5, 4], 0, 1, "float32", 4);
    const r = tf.randomNormal([6, 2, 4], 0, 1, "float32", 5);
    const { tfjs, heap } = both(() => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [0, 1, 0], [6, 2, 4]), r)))(x);
      return Array.from(g.dataSync());
    });
    expect(heap).toEqual(tfjs);
  });
});

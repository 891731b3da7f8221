// The building blocks written around missing wasm kernels compute what the standard ops compute, gradients included.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { attentionRegistry, initBackend } from "../src";
import { affine, conv, gelu, layerNorm, matMul, tokenConv } from "../src/layers";

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
});

async function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-4) {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [await a.data(), await b.data()];
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  expect(m).toBeLessThan(tol);
}

describe("layers", () => {
  it("matMul with plain-matmul gradients equals tf.matMul, gradients included", async () => {
    const a = tf.randomNormal([5, 7], 0, 1, "float32", 1);
    const b = tf.randomNormal([7, 3], 0, 1, "float32", 2);
    const f = (fn: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.sin(fn(x, y)));
    const mine = tf.grads(f(matMul))([a, b]);
    const ref = tf.grads(f((x, y) => tf.matMul(x, y)))([a, b]);
    await close(matMul(a, b), tf.matMul(a, b));
    await close(mine[0]!, ref[0]!);
    await close(mine[1]!, ref[1]!);
    const bias = tf.randomNormal([3], 0, 1, "float32", 3);
    const g =
      (fn: (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
        tf.sum(tf.sin(fn(x, y, z)));
    const fused = tf.grads(g(affine))([a, b, bias]);
    const plain = tf.grads(g((x, y, z) => tf.add(tf.matMul(x, y), z)))([a, b, bias]);
    await close(affine(a, b, bias), tf.add(tf.matMul(a, b), bias));
    for (let i = 0; i < 3; i++) await close(fused[i]!, plain[i]!);
  });

  it("layerNorm over the active channels and gelu match their textbook forms, gradients included", async () => {
    const x = tf.randomNormal([2, 3, 8], 0, 1, "float32", 7);
    const full = tf.randomNormal([12], 1, 0.3, "float32", 8);
    const bias = tf.randomNormal([12], 0, 0.3, "float32", 9);
    // The source hands out the leading 8 of 12 channels, as the super-network does for a narrower sub-network.
    const source = (g: tf.Tensor, b: tf.Tensor) => ({
      get: (name: string, shape: number[]) => tf.slice(name.endsWith(".g") ? g : b, [0], shape),
    });
    const textbook = (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(v, -1, true);
      const normed = tf.div(tf.sub(v, mean), tf.sqrt(tf.add(variance, 1e-6)));
      const h = tf.add(tf.mul(normed, tf.slice(g, [0], [8])), tf.slice(b, [0], [8]));
      return tf.mul(tf.mul(h, 0.5), tf.add(tf.erf(tf.mul(h, Math.SQRT1_2)), 1));
    };
    const mine = (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => gelu(layerNorm(source(g, b), "ln", v, 8));
    await close(mine(x, full, bias), textbook(x, full, bias));
    const loss = (fn: typeof mine) => (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.sin(fn(v, g, b)));
    const a = tf.grads(loss(mine))([x, full, bias]);
    const e = tf.grads(loss(textbook))([x, full, bias]);
    for (let i = 0; i < 3; i++) await close(a[i]!, e[i]!, 1e-4);
    // The four channels the sub-network does not have get no gradient.
    expect(Array.from(await tf.slice(a[1]!, [8], [4]).data())).toEqual([0, 0, 0, 0]);
  });

  it("im2col convolution equals tf.conv2d (strides, padding, patches)", async () => {
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, "float32", 3) as tf.Tensor4D;
    for (const [k, s, p] of [
      [3, 1, 1],
      [3, 2, 1],
      [4, 4, 0],
      [2, 2, 0],
      [5, 3, 2],
    ] as const) {
      const w = tf.randomNormal([k, k, 3, 4], 0, 1, "float32", k) as tf.Tensor4D;
      const padded = p
        ? tf.pad(x, [
            [0, 0],
            [p, p],
            [p, p],
            [0, 0],
          ])
        : x;
      const ref = tf.conv2d(padded as tf.Tensor4D, w, s, "valid");
      await close(conv(x, tf.reshape(w, [k * k * 3, 4]), k, s, p), ref);
    }
  });

  it("tokenConv equals a depthwise conv along the tokens, gradients included", async () => {
    const v = tf.randomNormal([2, 3, 6, 4], 0, 1, "float32", 4) as tf.Tensor4D;
    const taps = tf.randomNormal([3, 5], 0, 1, "float32", 5);
    // Reference: the plain sum of shifted slices, differentiated by tfjs.
    const reference = (x: tf.Tensor, t: tf.Tensor) => {
      const padded = tf.pad(x, [
        [0, 0],
        [0, 0],
        [2, 2],
        [0, 0],
      ]);
      let out = tf.zerosLike(x);
      for (let j = 0; j < 5; j++) {
        out = tf.add(
          out,
          tf.mul(tf.slice(padded, [0, 0, j, 0], [2, 3, 6, 4]), tf.reshape(tf.slice(t, [0, j], [3, 1]), [1, 3, 1, 1])),
        );
      }
      return out;
    };
    await close(tokenConv(v, taps), reference(v, taps));
    const loss = (fn: (x: tf.Tensor, t: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, t: tf.Tensor) =>
      tf.sum(tf.square(fn(x, t)));
    const mine = tf.grads(loss((x, t) => tokenConv(x as tf.Tensor4D, t)))([v, taps]);
    const ref = tf.grads(loss(reference))([v, taps]);
    await close(mine[0]!, ref[0]!, 1e-3);
    await close(mine[1]!, ref[1]!, 1e-3);
  });

  it("fnet is the real part of the 2-D DFT over tokens and channels (unitary scale)", async () => {
    const [n, d] = [5, 6];
    const x = tf.randomNormal([1, n, d], 0, 1, "float32", 6) as tf.Tensor3D;
    const y = attentionRegistry.fnet.forward(x, {
      spec: { type: "fnet" },
      w: { get: () => tf.zeros([1]) },
      prefix: "s0.b0",
      batch: 1,
      tokens: n,
      width: d,
      heads: 1,
      headDim: d,
      training: false,
      castlingBranch: 0,
    });
    const xs = await x.data();
    const expected = new Float32Array(n * d);
    for (let k = 0; k < n; k++) {
      for (let l = 0; l < d; l++) {
        let re = 0;
        for (let t = 0; t < n; t++)
          for (let c = 0; c < d; c++) re += xs[t * d + c]! * Math.cos(2 * Math.PI * ((k * t) / n + (l * c) / d));
        expected[k * d + l] = re / Math.sqrt(n * d);
      }
    }
    await close(y, tf.tensor3d(expected, [1, n, d]));
  });
});

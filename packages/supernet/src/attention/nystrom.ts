// Nystromformer: softmax attention approximated through m' = min(m, N) landmarks (segment means of q and k),
//   out = softmax(Q K~^T) pinv(softmax(Q~ K~^T)) softmax(Q~ K^T) V + conv_r(V)
// with the iterative Moore-Penrose pseudo-inverse (T iterations) and a depthwise conv on V along the tokens.
// Shapes: kernels [B, H, N, m'], [B, H, m', m'], [B, H, m', N]; out [B, H, N, d].
// Core MACs 4*N*m'*A + m'^2*A + N*m'^2*H + 4*T*m'^3*H + N*r*A (docs/model-conventions.md); the landmarks are
// means (no matmul), the conv is r shifted multiply-adds. Extra weight: conv taps [H, r].
import * as tf from "@tensorflow/tfjs";
import type { NystromAttn } from "@vitnas/formats";
import { tokenConv } from "../layers";
import { cachedConstant } from "./constants";
import { projectOut, projectQKV, tokenConvWeight } from "./qkv";
import type { AttentionModule } from "./types";

export const nystrom: AttentionModule<NystromAttn> = {
  type: "nystrom",
  qkv: true,
  extras: (spec, dims) => [tokenConvWeight(spec.convKernel, dims)],
  forward(x, ctx) {
    const { batch: b, tokens: n, heads: h, headDim: d, spec, prefix, w } = ctx;
    const m = Math.min(spec.landmarks, n);
    const { q, k, v } = projectQKV(x, ctx);
    const scale = d ** -0.25;
    const qs = tf.mul(q, scale) as tf.Tensor4D;
    const ks = tf.mul(k, scale) as tf.Tensor4D;
    const ql = segmentMeans(qs, m);
    const kl = segmentMeans(ks, m);
    const k1 = tf.softmax(tf.matMul(qs, kl, false, true)); // [B, H, N, m]
    const k2 = tf.softmax(tf.matMul(ql, kl, false, true)); // [B, H, m, m]
    const k3 = tf.softmax(tf.matMul(ql, ks, false, true)); // [B, H, m, N]
    const z = pseudoInverse(k2, spec.iterations, m, b, h);
    const out = tf.matMul(tf.matMul(k1, z), tf.matMul(k3, v));
    const conv = tokenConv(v, w.get(`${prefix}.nystrom.conv`, [h, spec.convKernel]));
    return projectOut(tf.add(out, conv) as tf.Tensor4D, ctx);
  },
};

/**
 * Landmarks of x [B, H, N, d]: [B, H, m, d], row i the mean of tokens floor(i*N/m) .. floor((i+1)*N/m) - 1. Means
 * of slices, not a dense [m, N] matmul (2*N*m*A MACs the algorithm does not need) nor a gather (no gradient on
 * wasm): consecutive segments of one length are one slice reshaped to [B*H, count, length, d] and averaged.
 */
export function segmentMeans(x: tf.Tensor4D, m: number): tf.Tensor4D {
  const [b, h, n, d] = x.shape;
  const flat = tf.reshape(x, [b * h, n, d]);
  const parts = segmentRuns(m, n).map(({ from, count, length }) => {
    const run = count * length === n ? flat : tf.slice(flat, [0, from, 0], [b * h, count * length, d]);
    return tf.mean(tf.reshape(run, [b * h, count, length, d]), 2);
  });
  return tf.reshape(parts.length === 1 ? parts[0]! : tf.concat(parts, 1), [b, h, m, d]);
}

/** The m segments grouped into runs of equal length: one run when m divides N, two for N = 257, m = 32. */
export function segmentRuns(m: number, n: number): { from: number; count: number; length: number }[] {
  const runs: { from: number; count: number; length: number }[] = [];
  for (let i = 0; i < m; i++) {
    const from = Math.floor((i * n) / m);
    const length = Math.floor(((i + 1) * n) / m) - from;
    const last = runs[runs.length - 1];
    if (last && last.length === length) last.count++;
    else runs.push({ from, count: 1, length });
  }
  return runs;
}

/** Iterative pseudo-inverse of row-stochastic a [B, H, m, m]; initial scale per (image, head), never per batch. */
function pseudoInverse(a: tf.Tensor, iterations: number, m: number, b: number, h: number): tf.Tensor {
  const eye = cachedConstant(`eye:${m}`, () => tf.eye(m));
  const colSum = tf.max(tf.sum(a, 2, true), 3, true); // rows sum to 1, so max row sum is 1
  let z = tf.div(tf.transpose(a, [0, 1, 3, 2]), colSum);
  for (let i = 0; i < iterations; i++) {
    const az = tf.matMul(a, z);
    const inner = tf.sub(tf.mul(eye, 7), az);
    const mid = tf.sub(tf.mul(eye, 15), tf.matMul(az, inner));
    z = tf.mul(tf.matMul(z, tf.sub(tf.mul(eye, 13), tf.matMul(az, mid))), 0.25);
  }
  return tf.reshape(z, [b, h, m, m]);
}

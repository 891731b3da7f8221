// Nystromformer: softmax attention approximated through m' = min(m, N) landmarks (segment means of q and k),
//   out = softmax(Q K~^T) pinv(softmax(Q~ K~^T)) softmax(Q~ K^T) V + conv_r(V)
// with the iterative Moore-Penrose pseudo-inverse (T iterations) and a depthwise conv on V along the tokens.
// Shapes: kernels [B, H, N, m'], [B, H, m', m'], [B, H, m', N]; out [B, H, N, d].
// Core MACs 3*N*m'*A + m'^2*A + N*m'^2*H + 4*T*m'^3*H + N*r*A. Extra weight: conv taps [H, r].
import * as tf from "@tensorflow/tfjs";
import type { NystromAttn } from "@vitnas/formats";
import { tokenConv } from "../layers";
import { cachedConstant } from "./constants";
import { mixTokens, projectOut, projectQKV, tokenConvWeight } from "./qkv";
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
    const means = segmentMeans(m, n);
    const ql = mixTokens(means, qs);
    const kl = mixTokens(means, ks);
    const k1 = tf.softmax(tf.matMul(qs, kl, false, true)); // [B, H, N, m]
    const k2 = tf.softmax(tf.matMul(ql, kl, false, true)); // [B, H, m, m]
    const k3 = tf.softmax(tf.matMul(ql, ks, false, true)); // [B, H, m, N]
    const z = pseudoInverse(k2, spec.iterations, m, b, h);
    const out = tf.matMul(tf.matMul(k1, z), tf.matMul(k3, v));
    const conv = tokenConv(v, w.get(`${prefix}.nystrom.conv`, [h, spec.convKernel]));
    return projectOut(tf.add(out, conv) as tf.Tensor4D, ctx);
  },
};

/** [m, N]: row i averages tokens floor(i*N/m) .. floor((i+1)*N/m) - 1 (segments cover every token once). */
function segmentMeans(m: number, n: number): tf.Tensor {
  return cachedConstant(`segment-means:${m}:${n}`, () => {
    const out = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      const from = Math.floor((i * n) / m);
      const to = Math.floor(((i + 1) * n) / m);
      for (let j = from; j < to; j++) out[i * n + j] = 1 / (to - from);
    }
    return tf.tensor2d(out, [m, n]);
  });
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

// X-ViT: no softmax, XNorm(Q) (XNorm(K)^T V) with XNorm(x) = gamma * x / |x|_2.
// Normalisation axis (a documented choice): per token over the head dimension, gamma learned per head for Q and
// for K. The product is divided by N (an average over the tokens rather than a sum) so its scale does not grow with
// the token count. Shapes: K^T V [B, H, d, d]; out [B, H, N, d]. Core MACs 2*N*d*A. Extra weights: 2*H scales.
import * as tf from "@tensorflow/tfjs";
import type { XNormAttn } from "@vitnas/formats";
import { l2normalize, projectOut, projectQKV } from "./qkv";
import type { AttentionModule } from "./types";

export const xnorm: AttentionModule<XNormAttn> = {
  type: "xnorm",
  qkv: true,
  extras: (_spec, dims) => [
    { name: "gq", shape: [dims.heads], init: { kind: "ones" }, trainable: true, headAxis: 0 },
    { name: "gk", shape: [dims.heads], init: { kind: "ones" }, trainable: true, headAxis: 0 },
  ],
  forward(x, ctx) {
    const { heads: h, tokens: n, prefix, w } = ctx;
    const { q, k, v } = projectQKV(x, ctx);
    const gq = tf.reshape(w.get(`${prefix}.xnorm.gq`, [h]), [1, h, 1, 1]);
    const gk = tf.reshape(w.get(`${prefix}.xnorm.gk`, [h]), [1, h, 1, 1]);
    const qn = tf.mul(l2normalize(q), gq);
    const kn = tf.mul(l2normalize(k), tf.mul(gk, 1 / n));
    return projectOut(tf.matMul(qn, tf.matMul(kn, v, true, false)) as tf.Tensor4D, ctx);
  },
};

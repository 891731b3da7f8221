// Softmax attention: softmax(q k^T / sqrt(d)) v.
// q, k, v [B, H, N, d] -> scores [B, H, N, N] -> [B, H, N, d]. Core MACs 2*N^2*A.
import * as tf from "@tensorflow/tfjs";
import type { SoftmaxAttn } from "@vitnas/formats";
import { projectOut, projectQKV } from "./qkv";
import type { AttentionModule } from "./types";

export const softmax: AttentionModule<SoftmaxAttn> = {
  type: "softmax",
  qkv: true,
  extras: () => [],
  forward(x, ctx) {
    const { q, k, v } = projectQKV(x, ctx);
    const scores = tf.softmax(tf.matMul(tf.mul(q, 1 / Math.sqrt(ctx.headDim)), k, false, true));
    return projectOut(tf.matMul(scores, v) as tf.Tensor4D, ctx);
  },
};

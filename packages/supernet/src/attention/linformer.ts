// Linformer: keys and values projected along the tokens to k rows by E [k, N] (and F when not shared).
// K, V [B, H, N, d] -> [B, H, k, d]; scores [B, H, N, k]. Core MACs 4*N*k*A.
// E's columns are token positions: the super-network holds E for the stage's largest N; a sub-network uses the
// leading N columns and leading k rows.
import * as tf from "@tensorflow/tfjs";
import type { LinformerAttn } from "@vitnas/formats";
import { mixTokens, projectOut, projectQKV } from "./qkv";
import type { AttentionModule } from "./types";

export const linformer: AttentionModule<LinformerAttn> = {
  type: "linformer",
  qkv: true,
  extras: (spec, dims) => {
    const std = 1 / Math.sqrt(dims.tokens);
    const e = { shape: [spec.k, dims.tokens], init: { kind: "normal", std } as const, trainable: true, decay: true };
    return spec.shareKV
      ? [{ name: "e", ...e }]
      : [
          { name: "e", ...e },
          { name: "f", ...e },
        ];
  },
  forward(x, ctx) {
    const { tokens: n, headDim: d, spec, prefix, w } = ctx;
    const { q, k, v } = projectQKV(x, ctx);
    const e = w.get(`${prefix}.linformer.e`, [spec.k, n]);
    let kp: tf.Tensor4D;
    let vp: tf.Tensor4D;
    if (spec.shareKV) {
      // One token projection for both: concatenate along channels.
      const both = mixTokens(e, tf.concat([k, v], 3) as tf.Tensor4D);
      [kp, vp] = tf.split(both, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    } else {
      kp = mixTokens(e, k);
      vp = mixTokens(w.get(`${prefix}.linformer.f`, [spec.k, n]), v);
    }
    const scores = tf.softmax(tf.matMul(tf.mul(q, 1 / Math.sqrt(d)), kp, false, true));
    return projectOut(tf.matMul(scores, vp) as tf.Tensor4D, ctx);
  },
};

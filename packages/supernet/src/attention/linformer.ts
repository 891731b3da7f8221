// Linformer: keys and values projected along the tokens to k rows by E [k, N] (and F when not shared).
// K, V [B, H, N, d] -> [B, H, k, d]; scores [B, H, N, k]. Core MACs 4*N*k*A.
// With shareKV "kv" (Vision X-formers, docs/seed-settings.md) V is K itself: no v projection (the block reads the
// leading two thirds of the q/k/v weight) and the one product E K is both the keys and the values, 3*N*k*A. The
// values are the keys as the scores see them, rotated too under rotary positions, so that one product serves both.
// E's columns are token positions: the super-network holds E for the stage's largest N; a sub-network uses the
// leading N columns and leading k rows (with tokenWeights "per-grid", one E per token grid of the stage: space.ts).
import * as tf from "@tensorflow/tfjs";
import { type LinformerAttn, linformerProjections } from "@vitnas/formats";
import { mixTokens, projectOut, projectQKV } from "./qkv";
import type { AttentionModule } from "./types";

export const linformer: AttentionModule<LinformerAttn> = {
  type: "linformer",
  qkv: true,
  qkvParts: linformerProjections,
  extras: (spec, dims) => {
    const std = 1 / Math.sqrt(dims.tokens);
    const e = {
      shape: [spec.k, dims.tokens],
      init: { kind: "normal", std } as const,
      trainable: true,
      decay: true,
      tokenIndexed: true,
    };
    return spec.shareKV === false
      ? [
          { name: "e", ...e },
          { name: "f", ...e },
        ]
      : [{ name: "e", ...e }];
  },
  forward(x, ctx) {
    const { tokens: n, headDim: d, spec, prefix, w } = ctx;
    const { q, k, v } = projectQKV(x, ctx, spec.shareKV === "kv" ? 2 : 3);
    const e = w.get(`${prefix}.linformer.e`, [spec.k, n]);
    let kp: tf.Tensor4D;
    let vp: tf.Tensor4D;
    if (spec.shareKV === "kv") {
      kp = mixTokens(e, k);
      vp = kp;
    } else if (spec.shareKV) {
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

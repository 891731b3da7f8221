// Castling-ViT linear-angular attention, per head, with q^ = q/|q| and k^ = k/|k|:
//   out = L2norm_d( 0.5*V + (1/pi) * Q^ (K^^T V) [+ beta * (S * 1[S > 0.02]) V] ) + conv_r(V)
// The bracketed branch (S = softmax(q k^T / sqrt(d))) exists only in training, weighted by beta from the trainer's
// schedule (the recipe's castlingBranch: 1 at the start, linearly to 0 by `until` of training, default half, or
// off); at beta = 0 and at inference it is not computed at all. Shapes: K^^T V [B, H, d, d]; out [B, H, N, d]. Core MACs 2*N*d*A + N*r*A.
// Extra weight: depthwise conv taps on V along the tokens, one filter per head [H, r].
import * as tf from "@tensorflow/tfjs";
import type { CastlingAttn } from "@vitnas/formats";
import { tokenConv } from "../layers";
import { l2normalize, projectOut, projectQKV, tokenConvWeight } from "./qkv";
import type { AttentionModule } from "./types";

export const castling: AttentionModule<CastlingAttn> = {
  type: "castling",
  qkv: true,
  extras: (spec, dims) => [tokenConvWeight(spec.convKernel, dims)],
  forward(x, ctx) {
    const { heads: h, headDim: d, spec, prefix, w } = ctx;
    const { q, k, v } = projectQKV(x, ctx);
    const qn = l2normalize(q);
    const kn = l2normalize(k);
    let out = tf.add(tf.mul(v, 0.5), tf.mul(tf.matMul(qn, tf.matMul(kn, v, true, false)), 1 / Math.PI));
    if (ctx.training && ctx.castlingBranch > 0) {
      const s = tf.softmax(tf.matMul(tf.mul(q, 1 / Math.sqrt(d)), k, false, true));
      const masked = tf.mul(s, tf.step(tf.sub(s, 0.02)));
      out = tf.add(out, tf.mul(tf.matMul(masked, v), ctx.castlingBranch));
    }
    const conv = tokenConv(v, w.get(`${prefix}.castling.conv`, [h, spec.convKernel]));
    return projectOut(tf.add(l2normalize(out), conv) as tf.Tensor4D, ctx);
  },
};

// Performer (FAVOR+): positive orthogonal random features phi(x) = exp(W x - |x|^2/2) / sqrt(m), linear in N.
// q, k [B, H, N, d] -> phi [B, H, N, m]; phi(K)^T V [B, H, m, d]; out [B, H, N, d]. Core MACs 4*N*m*A + 2*N*m*H.
// The features W [m, d] are fixed (not trained): a buffer, shared by every head of the block.
import * as tf from "@tensorflow/tfjs";
import type { PerformerAttn } from "@vitnas/formats";
import { matMul } from "../layers";
import { checkpointed } from "../recompute";
import { projectOut, projectQKV } from "./qkv";
import type { AttentionModule } from "./types";

export const performer: AttentionModule<PerformerAttn> = {
  type: "performer",
  qkv: true,
  extras: (spec, dims) => [
    { name: "features", shape: [spec.features, dims.headDim], init: { kind: "orthogonal-features" }, trainable: false },
  ],
  forward(x, ctx) {
    const { batch: b, tokens: n, heads: h, headDim: d } = ctx;
    const m = ctx.spec.features;
    const { q, k, v } = projectQKV(x, ctx);
    const featuresT = tf.transpose(ctx.w.get(`${ctx.prefix}.performer.features`, [m, d]));
    const scale = d ** -0.25;
    const features = (t: tf.Tensor, f: tf.Tensor, query: boolean) => {
      const s = tf.mul(t, scale);
      const proj = tf.reshape(matMul(tf.reshape(s, [b * h * n, d]), f), [b, h, n, m]);
      const half = tf.mul(tf.sum(tf.square(s), -1, true), 0.5);
      // Stabilisers cancel in the ratio below: per token for queries, per (image, head) for keys. They are
      // constants to the gradient (as in common FAVOR+ implementations), so no [B, H, N, m] tensor is kept for them.
      const stab = stabiliser(proj, half, query ? [3] : [2, 3]);
      return tf.add(tf.exp(tf.sub(proj, tf.add(half, stab))), 1e-6) as tf.Tensor4D;
    };
    // Under recomputation the feature map's intermediates ([B, H, N, m] each) are not kept, only its output.
    const phi = (t: tf.Tensor4D, query: boolean) =>
      (ctx.recompute
        ? checkpointed(([x, f]) => features(x!, f!, query), [t, featuresT])
        : features(t, featuresT, query)) as tf.Tensor4D;
    const pq = phi(q, true);
    const pk = phi(k, false);
    const kv = tf.matMul(pk, v, true, false); // [B, H, m, d]
    const num = tf.matMul(pq, kv); // [B, H, N, d]
    const den = tf.matMul(pq, tf.sum(pk, 2, true), false, true); // [B, H, N, 1]
    return projectOut(tf.div(num, tf.add(den, 1e-6)) as tf.Tensor4D, ctx);
  },
};

/** max(proj - half) over `axes` (kept), with a zero gradient: a stop-gradient. */
function stabiliser(proj: tf.Tensor, half: tf.Tensor, axes: number[]): tf.Tensor {
  return tf.customGrad(((...args: unknown[]) => {
    const [p, c] = args as [tf.Tensor, tf.Tensor];
    return {
      value: tf.tidy(() => tf.max(tf.sub(p, c), axes, true)),
      gradFunc: () => [tf.zerosLike(p), tf.zerosLike(c)],
    };
  }) as Parameters<typeof tf.customGrad>[0])(proj, half);
}

// The q/k/v and output projections shared by every attention type that has them (one [D, 3, A] weight per block:
// the first A of each third are the active heads), and the rotary positions applied to q and k.
import * as tf from "@tensorflow/tfjs";
import { projectionNames } from "../block-names";
import { affine, matMul } from "../layers";
import type { AttentionContext, AttentionDims, ExtraWeight } from "./types";

/**
 * x [B, N, D] -> q, k, v [B, H, N, d] each; q and k rotated when positions are rotary. With `parts` 2 only q and k
 * are projected (the leading two thirds of the weight) and v is k as rotated: V is K itself (linformer's "kv").
 */
export function projectQKV(
  x: tf.Tensor3D,
  ctx: AttentionContext,
  parts: 2 | 3 = 3,
): { q: tf.Tensor4D; k: tf.Tensor4D; v: tf.Tensor4D } {
  const { batch: b, tokens: n, width: dm, heads: h, headDim: d, w, prefix } = ctx;
  const a = h * d;
  const names = projectionNames(prefix);
  const weight = tf.reshape(w.get(names.qkvW, [dm, parts, a]), [dm, parts * a]);
  // tfjs-wasm's fused bias checks the rank of the bias's underlying data, so the [parts, A] slice is first copied
  // into a 1-D buffer; the fused bias then saves the [B*N, parts*A] sum the separate add kept for its gradient.
  const bias = tf.add(tf.reshape(w.get(names.qkvB, [parts, a]), [parts * a]), tf.zeros([parts * a]));
  const y = affine(tf.reshape(x, [b * n, dm]), weight, bias); // [B*N, parts*A]
  // Three 4-D transposes: the wasm backend's 5-D transpose is a slow generic loop.
  const heads = (i: number) =>
    tf.transpose(tf.reshape(tf.slice(y, [0, i * a], [b * n, a]), [b, n, h, d]), [0, 2, 1, 3]) as tf.Tensor4D;
  let q = heads(0);
  let k = heads(1);
  if (ctx.rope) {
    q = rotate(q, ctx.rope.cos, ctx.rope.sin) as tf.Tensor4D;
    k = rotate(k, ctx.rope.cos, ctx.rope.sin) as tf.Tensor4D;
  }
  return { q, k, v: parts === 2 ? k : heads(2) };
}

/** o [B, H, N, d] -> [B, N, D] through the output projection. */
export function projectOut(o: tf.Tensor4D, ctx: AttentionContext): tf.Tensor3D {
  const { batch: b, tokens: n, width: dm, heads: h, headDim: d, w, prefix } = ctx;
  const a = h * d;
  const merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b * n, a]);
  const { projW, projB } = projectionNames(prefix);
  const y = affine(merged, w.get(projW, [a, dm]), w.get(projB, [dm]));
  return tf.reshape(y, [b, n, dm]);
}

/** Rotary embedding on the last axis: channel i pairs with channel i + floor(d/2); an odd last channel stays. */
function rotate(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const d = x.shape[x.rank - 1]!;
  const p = Math.floor(d / 2);
  if (p === 0) return x;
  const begin = x.shape.map(() => 0);
  const size = x.shape.map(() => -1);
  const at = (start: number, len: number) => {
    const b = [...begin];
    const s = [...size];
    b[x.rank - 1] = start;
    s[x.rank - 1] = len;
    return tf.slice(x, b, s);
  };
  const x1 = at(0, p);
  const x2 = at(p, p);
  const parts = [tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))];
  if (d > 2 * p) parts.push(at(2 * p, d - 2 * p));
  return tf.concat(parts, x.rank - 1);
}

/** L2-normalise over the last axis. */
export function l2normalize(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-12)));
}

/**
 * Token-axis linear map: m [K, N] applied to x [B, H, N, d] -> [B, H, K, d]. Written with transposes and a 2-D
 * matmul because tfjs's broadcasting batched matmul has a wrong gradient.
 */
export function mixTokens(m: tf.Tensor, x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, n, d] = x.shape;
  const k = m.shape[0]!;
  const flat = tf.reshape(tf.transpose(x, [2, 0, 1, 3]), [n, b * h * d]);
  return tf.transpose(tf.reshape(matMul(m, flat), [k, b, h, d]), [1, 2, 0, 3]);
}

/** The depthwise conv on V along the tokens that nystrom and castling add: one filter of `kernel` taps per head. */
export function tokenConvWeight(kernel: number, dims: AttentionDims): ExtraWeight {
  return {
    name: "conv",
    shape: [dims.heads, kernel],
    // Depthwise: each output tap sums `kernel` inputs.
    init: { kind: "dense", fanIn: [1] },
    trainable: true,
    center: [1],
    headAxis: 0,
  };
}

// Elastic layers: each reads the active slice of its weights for the sizes it is given, so a smaller sub-network
// computes only what it has. Only ops with gradients on every backend (no conv filter gradient, no broadcasting
// matmul, no gather) are used: convolutions are im2col + matmul.
import * as tf from "@tensorflow/tfjs";
import type { WeightSource } from "./weights";

/**
 * a [M, K] @ b [K, N] whose gradients are also plain matmuls (after explicit 2-D transposes): the wasm backend
 * runs only untransposed matmuls through XNNPACK, transposed ones 10-30x slower.
 */
export const matMul = tf.customGrad(((...args: unknown[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

/**
 * a [M, K] @ w [K, N] + bias [N] as one fused kernel (the bias rides in XNNPACK's fully-connected operator), with
 * plain-matmul gradients as in `matMul`.
 */
export const affine = tf.customGrad(((...args: unknown[]) => {
  const [a, w, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([a, w]);
  return {
    value: tf.fused.matMul({ a, b: w, bias }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sa), g), tf.sum(g, 0)];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) => tf.Tensor2D;

/** x [..., in] -> [..., out], weight `${name}.w` [in, out], bias `${name}.b` [out]. */
export function linear(w: WeightSource, name: string, x: tf.Tensor, inDim: number, outDim: number): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const y = affine(tf.reshape(x, [-1, inDim]), w.get(`${name}.w`, [inDim, outDim]), w.get(`${name}.b`, [outDim]));
  return tf.reshape(y, [...lead, outDim]);
}

/** LayerNorm over the active channels only: x [..., dim], `${name}.g`/`${name}.b` [dim]. */
export function layerNorm(w: WeightSource, name: string, x: tf.Tensor, dim: number): tf.Tensor {
  return layerNormOp(x, w.get(`${name}.g`, [dim]), w.get(`${name}.b`, [dim]));
}

const EPSILON = 1e-6;

function normalise(x: tf.Tensor): { xhat: tf.Tensor; rstd: tf.Tensor } {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), EPSILON));
  return { xhat: tf.mul(centred, rstd), rstd };
}

/**
 * LayerNorm with its own gradient: it keeps only its inputs for the backward pass and recomputes the statistics,
 * instead of the tape holding every intermediate (less memory, fewer ops).
 */
const layerNormOp = tf.customGrad(((...args: unknown[]) => {
  const [x, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, g]);
  return {
    value: tf.tidy(() => tf.add(tf.mul(normalise(x).xhat, g), b)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sg] = saved as [tf.Tensor, tf.Tensor];
      const d = sx.shape[sx.rank - 1]!;
      // Staged in tidies so that only a few activation-sized temporaries are alive at once (same ops, same values).
      const { xhat, rstd } = tf.tidy(() => normalise(sx));
      const flatDy = tf.reshape(dy, [-1, d]);
      const dg = tf.tidy(() => tf.sum(tf.mul(flatDy, tf.reshape(xhat, [-1, d])), 0));
      const db = tf.sum(flatDy, 0);
      const dxhat = tf.mul(dy, sg);
      const centred = tf.tidy(() => tf.sub(dxhat, tf.mean(dxhat, -1, true)));
      const along = tf.tidy(() => tf.mul(xhat, tf.mean(tf.mul(dxhat, xhat), -1, true)));
      tf.dispose([dxhat, xhat]);
      const dx = tf.tidy(() => tf.mul(rstd, tf.sub(centred, along)));
      tf.dispose([centred, along, rstd]);
      return [dx, dg, db];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** Exact GELU, x * Phi(x), with its own gradient dy * (Phi(x) + x * phi(x)) that keeps only x. */
export const gelu = tf.customGrad(((...args: unknown[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.tidy(() => tf.mul(x, cdf(x))),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx] = saved as [tf.Tensor];
      // Staged in tidies so that only a few activation-sized temporaries are alive at once (same ops, same values).
      const xpdf = tf.tidy(() => tf.mul(sx, tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), 1 / Math.sqrt(2 * Math.PI))));
      const slope = tf.tidy(() => tf.add(cdf(sx), xpdf));
      xpdf.dispose();
      const dx = tf.mul(dy, slope);
      slope.dispose();
      return [dx];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

function cdf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
}

/**
 * im2col of x [B, H, W, C] for a k x k kernel: [B, Ho, Wo, k*k*C], channels ordered (ky, kx, c) to match a
 * weight of shape [k, k, C, out] flattened to [k*k*C, out].
 */
export function im2col(x: tf.Tensor4D, kernel: number, stride: number, padding: number): tf.Tensor4D {
  const [b, h, wd, c] = x.shape;
  const ho = Math.floor((h + 2 * padding - kernel) / stride) + 1;
  const wo = Math.floor((wd + 2 * padding - kernel) / stride) + 1;
  if (ho < 1 || wo < 1) throw new Error(`a ${kernel}x${kernel} kernel does not fit a ${h}x${wd} input`);
  if (kernel === stride && padding === 0) {
    // Non-overlapping patches: a reshape and one transpose.
    const cropped =
      h === ho * kernel && wd === wo * kernel ? x : tf.slice(x, [0, 0, 0, 0], [b, ho * kernel, wo * kernel, c]);
    const t = tf.transpose(tf.reshape(cropped, [b, ho, kernel, wo, kernel, c]), [0, 1, 3, 2, 4, 5]);
    return tf.reshape(t, [b, ho, wo, kernel * kernel * c]);
  }
  // Strided taps without strided_slice: take a window of stride*out rows, fold the stride out, keep offset 0.
  const extraH = Math.max(0, kernel - 1 + stride * ho - (h + 2 * padding));
  const extraW = Math.max(0, kernel - 1 + stride * wo - (wd + 2 * padding));
  const padded =
    padding || extraH || extraW
      ? tf.pad(x, [
          [0, 0],
          [padding, padding + extraH],
          [padding, padding + extraW],
          [0, 0],
        ])
      : x;
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < kernel; ky++) {
    for (let kx = 0; kx < kernel; kx++) {
      if (stride === 1) {
        taps.push(tf.slice(padded, [0, ky, kx, 0], [b, ho, wo, c]));
      } else {
        const win = tf.slice(padded, [0, ky, kx, 0], [b, stride * ho, stride * wo, c]);
        const folded = tf.reshape(win, [b, ho, stride, wo, stride, c]);
        taps.push(tf.reshape(tf.slice(folded, [0, 0, 0, 0, 0, 0], [b, ho, 1, wo, 1, c]), [b, ho, wo, c]));
      }
    }
  }
  return (taps.length === 1 ? taps[0] : tf.concat(taps, 3)) as tf.Tensor4D;
}

/** Convolution as im2col + matmul with a weight [k*k*C, out] (already sliced by the caller). */
export function conv(x: tf.Tensor4D, weight: tf.Tensor, kernel: number, stride: number, padding: number): tf.Tensor4D {
  const cols = im2col(x, kernel, stride, padding);
  const [b, ho, wo, kc] = cols.shape;
  const out = weight.shape[1]!;
  return tf.reshape(matMul(tf.reshape(cols, [-1, kc]), weight), [b, ho, wo, out]);
}

/**
 * Depthwise conv along tokens, one filter per head, zero padding floor(r/2): v [B, H, N, d], taps [H, r] (r odd)
 * -> [B, H, N, d]. A sum of shifted slices (the wasm backend has no depthwise-conv gradients), with its own gradient
 * so the r shifted copies are transient instead of being kept for the backward pass.
 */
export const tokenConv = tf.customGrad(((...args: unknown[]) => {
  const [v, taps, save] = args as [tf.Tensor4D, tf.Tensor2D, tf.GradSaveFunc];
  save([v, taps]);
  return {
    value: shiftSum(v, taps),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sv, st] = saved as [tf.Tensor4D, tf.Tensor2D];
      const [b, h, n, d] = sv.shape;
      const r = st.shape[1]!;
      const half = (r - 1) / 2;
      // out[t] = sum_j tap_j v[t + j - half], so dv is the same sum over dy with the taps reversed ...
      const dv = shiftSum(dy as tf.Tensor4D, tf.reverse(st, 1));
      // ... and dtap_j = sum over images, tokens and channels of dy[t] v[t + j - half].
      const padded = padTokens(sv, half);
      const columns: tf.Tensor[] = [];
      for (let j = 0; j < r; j++) {
        columns.push(tf.tidy(() => tf.sum(tf.mul(dy, tf.slice(padded, [0, 0, j, 0], [b, h, n, d])), [0, 2, 3])));
      }
      padded.dispose();
      const dtaps = tf.stack(columns, 1);
      tf.dispose(columns);
      return [dv, dtaps];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]) as (v: tf.Tensor4D, taps: tf.Tensor) => tf.Tensor4D;

function padTokens(x: tf.Tensor4D, half: number): tf.Tensor4D {
  return tf.pad(x, [
    [0, 0],
    [0, 0],
    [half, half],
    [0, 0],
  ]);
}

/** sum_j taps[:, j] * x shifted by j - half along the tokens, freeing each partial sum as it goes. */
function shiftSum(x: tf.Tensor4D, taps: tf.Tensor2D): tf.Tensor4D {
  const [b, h, n, d] = x.shape;
  const r = taps.shape[1]!;
  const half = (r - 1) / 2;
  const padded = padTokens(x, half);
  let out: tf.Tensor4D | undefined;
  // Taps that only ever see padding contribute nothing; skip them.
  for (let j = Math.max(0, half - (n - 1)); j < Math.min(r, half + n); j++) {
    const term = tf.tidy(() =>
      tf.mul(tf.slice(padded, [0, 0, j, 0], [b, h, n, d]), tf.reshape(tf.slice(taps, [0, j], [h, 1]), [1, h, 1, 1])),
    ) as tf.Tensor4D;
    const next = out ? tf.add(out, term) : term;
    if (out) tf.dispose([out, term]);
    out = next as tf.Tensor4D;
  }
  padded.dispose();
  return out ?? tf.zerosLike(x);
}

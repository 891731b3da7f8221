// The shared layers as ONNX nodes, each the inference form of its tfjs counterpart in packages/supernet/src/layers.ts
// (same epsilons, exact GELU), with the weight layouts rearranged into ONNX's where they differ.
import type { WeightTable } from "../weights";
import { float, type Graph, int, ints } from "./graph";

/** The graph under construction and the weights it reads. */
export interface Ctx {
  g: Graph;
  w: WeightTable;
}

/** LayerNorm over the last axis, epsilon 1e-6 as the model's (layers.ts); `${name}.g` / `${name}.b` [dim]. */
export function layerNorm({ g, w }: Ctx, name: string, x: string, dim: number): string {
  const gamma = g.floats(`${name}.g`, w.get(`${name}.g`, [dim]), [dim]);
  const beta = g.floats(`${name}.b`, w.get(`${name}.b`, [dim]), [dim]);
  return g.op("LayerNormalization", [x, gamma, beta], { axis: int(-1), epsilon: float(1e-6) }, "ln");
}

/** x [..., in] @ `${name}.w` [in, out] + `${name}.b` [out]. */
export function linear(ctx: Ctx, name: string, x: string, inDim: number, outDim: number): string {
  return affine(
    ctx.g,
    x,
    ctx.w.get(`${name}.w`, [inDim, outDim]),
    [inDim, outDim],
    ctx.w.get(`${name}.b`, [outDim]),
    name,
  );
}

/** x @ weight + bias with the arrays given (already rearranged). */
export function affine(
  g: Graph,
  x: string,
  weight: Float32Array,
  dims: [number, number],
  bias: Float32Array,
  hint: string,
) {
  const y = g.op("MatMul", [x, g.floats(`${hint}.w`, weight, dims)]);
  return g.op("Add", [y, g.floats(`${hint}.b`, bias, [dims[1]])]);
}

/** Exact GELU, x * (1 + erf(x / sqrt 2)) / 2 (opset 17 has no Gelu operator). */
export function gelu(g: Graph, x: string): string {
  const erf = g.op("Erf", [g.op("Mul", [x, g.scalar(Math.SQRT1_2)])]);
  return g.op("Mul", [x, g.op("Mul", [g.op("Add", [erf, g.scalar(1)]), g.scalar(0.5)])], {}, "gelu");
}

/** x / sqrt(sum(x^2) + 1e-12) over the last axis (qkv.ts's l2normalize). */
export function l2normalize(g: Graph, x: string): string {
  const sum = g.op("ReduceSumSquare", [x], { axes: ints([-1]), keepdims: int(1) });
  return g.op("Div", [x, g.op("Sqrt", [g.op("Add", [sum, g.scalar(1e-12)])])], {}, "l2norm");
}

export const transpose = (g: Graph, x: string, perm: number[]) => g.op("Transpose", [x], { perm: ints(perm) });

/** Reshape; 0 copies the input's size at that axis (the batch, which is chosen at run time). */
export const reshape = (g: Graph, x: string, shape: number[]) => g.op("Reshape", [x, g.int64(shape)]);

/** x[..., from:to, ...] along `axis`. */
export const slice = (g: Graph, x: string, axis: number, from: number, to: number) =>
  g.op("Slice", [x, g.int64([from]), g.int64([to]), g.int64([axis])]);

/** Zero-pads the last axis of a rank-3 tensor from `from` to `to` channels. */
export function padChannels(g: Graph, x: string, from: number, to: number): string {
  return from === to ? x : g.op("Pad", [x, g.int64([0, 0, 0, 0, 0, to - from])]);
}

/**
 * A convolution's weight [k*k*C_in, C_out] in (ky, kx, c) order (the model's im2col layout) as ONNX's
 * [C_out, C_in, k, k].
 */
export function convWeight(w: Float32Array, kernel: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let ky = 0; ky < kernel; ky++)
    for (let kx = 0; kx < kernel; kx++)
      for (let c = 0; c < cin; c++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + c) * kernel + ky) * kernel + kx] = w[((ky * kernel + kx) * cin + c) * cout + o]!;
  return out;
}

/**
 * The depthwise conv on V along the tokens (nystrom, castling): v [B, H, N, d] as an H-channel image of N x d,
 * one r x 1 filter per head, zero padding floor(r/2) along the tokens. The model's sum of shifted slices
 * (layers.ts, tokenConv) is exactly this cross-correlation.
 */
export function tokenConv(g: Graph, v: string, taps: Float32Array, heads: number, kernel: number, hint: string) {
  const half = (kernel - 1) / 2;
  const weight = g.floats(hint, taps, [heads, 1, kernel, 1]);
  return g.op(
    "Conv",
    [v, weight],
    { group: int(heads), kernel_shape: ints([kernel, 1]), pads: ints([half, 0, half, 0]) },
    "tokenconv",
  );
}

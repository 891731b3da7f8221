// Nystromformer (packages/supernet/src/attention/nystrom.ts): m' = min(m, N) landmarks as segment means of q and k
// (slices and means, as the model computes them), three softmax kernels, the iterative Moore-Penrose pseudo-inverse
// unrolled into its T iterations, and the depthwise conv on V along the tokens.
import type { NystromAttn } from "@vitnas/formats";
import { type Graph, int, ints } from "../graph";
import { reshape, slice, tokenConv, transpose } from "../layers";
import { projectOut, projectQKV } from "./qkv";
import type { AttentionExport } from "./types";

export const nystrom: AttentionExport<NystromAttn> = (x, ctx) => {
  const { g, w, prefix, tokens: n, heads: h, headDim: d, spec } = ctx;
  const m = Math.min(spec.landmarks, n);
  const { q, k, v } = projectQKV(x, ctx);
  const scale = g.scalar(d ** -0.25);
  const qs = g.op("Mul", [q, scale]);
  const ks = g.op("Mul", [k, scale]);
  const ql = segmentMeans(g, qs, m, n, d);
  const kl = segmentMeans(g, ks, m, n, d);
  const kernel = (a: string, b: string) =>
    g.op("Softmax", [g.op("MatMul", [a, transpose(g, b, [0, 1, 3, 2])])], { axis: int(-1) });
  const k1 = kernel(qs, kl); // [B, H, N, m]
  const k2 = kernel(ql, kl); // [B, H, m, m]
  const k3 = kernel(ql, ks); // [B, H, m, N]
  const z = pseudoInverse(g, k2, spec.iterations, m);
  const out = g.op("MatMul", [g.op("MatMul", [k1, z]), g.op("MatMul", [k3, v])]);
  const taps = w.get(`${prefix}.nystrom.conv`, [h, spec.convKernel]);
  const conv = tokenConv(g, v, taps, h, spec.convKernel, `${prefix}.nystrom.conv`);
  return projectOut(g.op("Add", [out, conv]), ctx);
};

/** Row i: the mean of tokens floor(i N / m) .. floor((i + 1) N / m) - 1 of x [B, H, N, d] -> [B, H, m, d]. */
function segmentMeans(g: Graph, x: string, m: number, n: number, d: number): string {
  const parts = segmentRuns(m, n).map(({ from, count, length }) => {
    const run = count * length === n ? x : slice(g, x, 2, from, from + count * length);
    return g.op("ReduceMean", [reshape(g, run, [0, 0, count, length, d])], { axes: ints([3]), keepdims: int(0) });
  });
  return parts.length === 1 ? parts[0]! : g.op("Concat", parts, { axis: int(2) }, "landmarks");
}

/** The m segments grouped into runs of equal length (the model's segmentRuns). */
export function segmentRuns(m: number, n: number): { from: number; count: number; length: number }[] {
  const runs: { from: number; count: number; length: number }[] = [];
  for (let i = 0; i < m; i++) {
    const from = Math.floor((i * n) / m);
    const length = Math.floor(((i + 1) * n) / m) - from;
    const last = runs[runs.length - 1];
    if (last && last.length === length) last.count++;
    else runs.push({ from, count: 1, length });
  }
  return runs;
}

/**
 * Iterative pseudo-inverse of the row-stochastic a [B, H, m, m], unrolled: z0 = a^T / max column sum (per image and
 * head), then T times z <- z (13 I - a z (15 I - a z (7 I - a z))) / 4.
 */
function pseudoInverse(g: Graph, a: string, iterations: number, m: number): string {
  const eye = (c: number) => {
    const values = new Float32Array(m * m);
    for (let i = 0; i < m; i++) values[i * m + i] = c;
    return g.floats(`eye${c}.${m}`, values, [m, m]);
  };
  const colSum = g.op("ReduceMax", [g.op("ReduceSum", [a, g.int64([2])], { keepdims: int(1) })], {
    axes: ints([3]),
    keepdims: int(1),
  });
  let z = g.op("Div", [transpose(g, a, [0, 1, 3, 2]), colSum]);
  const [i7, i15, i13] = iterations > 0 ? [eye(7), eye(15), eye(13)] : [];
  for (let i = 0; i < iterations; i++) {
    const az = g.op("MatMul", [a, z]);
    const inner = g.op("Sub", [i7!, az]);
    const mid = g.op("Sub", [i15!, g.op("MatMul", [az, inner])]);
    z = g.op("Mul", [g.op("MatMul", [z, g.op("Sub", [i13!, g.op("MatMul", [az, mid])])]), g.scalar(0.25)], {}, "pinv");
  }
  return z;
}

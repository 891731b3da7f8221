// Performer (FAVOR+), packages/supernet/src/attention/performer.ts: the block's fixed random features W [m, d] are a
// constant (stored transposed, [d, m]); phi(x) = exp(s W^T - |s|^2/2 - stab) + 1e-6 with s = x d^-1/4, the
// stabiliser a max per token for queries and per (image, head) for keys; out = phi(Q) (phi(K)^T V) / (phi(Q)
// phi(K)^T 1 + 1e-6).
import type { PerformerAttn } from "@vitnas/formats";
import { int, ints } from "../graph";
import { transpose } from "../layers";
import { projectOut, projectQKV } from "./qkv";
import type { AttentionExport } from "./types";

export const performer: AttentionExport<PerformerAttn> = (x, ctx) => {
  const { g, w, prefix, headDim: d } = ctx;
  const m = ctx.spec.features;
  const { q, k, v } = projectQKV(x, ctx);
  const features = w.get(`${prefix}.performer.features`, [m, d]);
  const transposed = new Float32Array(d * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) transposed[j * m + i] = features[i * d + j]!;
  const featuresT = g.floats(`${prefix}.performer.features`, transposed, [d, m]);
  const phi = (t: string, axes: number[]) => {
    const s = g.op("Mul", [t, g.scalar(d ** -0.25)]);
    const proj = g.op("MatMul", [s, featuresT]); // [B, H, N, m]
    const half = g.op("Mul", [g.op("ReduceSumSquare", [s], { axes: ints([-1]), keepdims: int(1) }), g.scalar(0.5)]);
    const stab = g.op("ReduceMax", [g.op("Sub", [proj, half])], { axes: ints(axes), keepdims: int(1) });
    const e = g.op("Exp", [g.op("Sub", [proj, g.op("Add", [half, stab])])]);
    return g.op("Add", [e, g.scalar(1e-6)], {}, "phi");
  };
  const pq = phi(q, [3]);
  const pk = phi(k, [2, 3]);
  const kv = g.op("MatMul", [transpose(g, pk, [0, 1, 3, 2]), v]); // [B, H, m, d]
  const num = g.op("MatMul", [pq, kv]);
  const keySum = g.op("ReduceSum", [pk, g.int64([2])], { keepdims: int(1) }); // [B, H, 1, m]
  const den = g.op("MatMul", [pq, transpose(g, keySum, [0, 1, 3, 2])]); // [B, H, N, 1]
  return projectOut(g.op("Div", [num, g.op("Add", [den, g.scalar(1e-6)])]), ctx);
};

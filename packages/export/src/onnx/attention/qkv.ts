// q/k/v and the output projection (packages/supernet/src/attention/qkv.ts). The model's one [D, 3, A] weight is
// written as three [D, A] matmuls, so no rank-5 reshape or transpose is needed; rotary positions rotate q and k.
import { type Graph, int } from "../graph";
import { affine, reshape, slice, transpose } from "../layers";
import type { AttentionCtx } from "./types";

/**
 * x [B, N, D] -> q, k, v [B, H, N, d]. With `parts` 2 the model's weight is [D, 2, A] (q and k) and v is k as
 * rotated: V is K itself (linformer's "kv").
 */
export function projectQKV(x: string, ctx: AttentionCtx, parts: 2 | 3 = 3): { q: string; k: string; v: string } {
  const { g, w, prefix, spec, width: dm, heads: h, headDim: d } = ctx;
  const a = h * d;
  const weight = w.block(prefix, spec.type, "qkv.w", [dm, parts, a]);
  const bias = w.block(prefix, spec.type, "qkv.b", [parts, a]);
  const heads = (i: number, name: string) => {
    const part = new Float32Array(dm * a);
    for (let r = 0; r < dm; r++) part.set(weight.subarray((r * parts + i) * a, (r * parts + i + 1) * a), r * a);
    const y = affine(g, x, part, [dm, a], bias.slice(i * a, (i + 1) * a), `${prefix}.${name}`);
    return transpose(g, reshape(g, y, [0, 0, h, d]), [0, 2, 1, 3]);
  };
  let q = heads(0, "q");
  let k = heads(1, "k");
  if (ctx.rope) {
    const tables = ctx.rope();
    q = rotate(g, q, d, tables);
    k = rotate(g, k, d, tables);
  }
  return { q, k, v: parts === 2 ? k : heads(2, "v") };
}

/** o [B, H, N, d] -> [B, N, D] through the output projection. */
export function projectOut(o: string, ctx: AttentionCtx): string {
  const { g, w, prefix, spec, width: dm, heads: h, headDim: d } = ctx;
  const a = h * d;
  const merged = reshape(g, transpose(g, o, [0, 2, 1, 3]), [0, 0, a]);
  const weight = w.block(prefix, spec.type, "proj.w", [a, dm]);
  return affine(g, merged, weight, [a, dm], w.block(prefix, spec.type, "proj.b", [dm]), `${prefix}.proj`);
}

/** Rotary embedding on the last axis: channel i pairs with channel i + floor(d/2); an odd last channel stays. */
function rotate(g: Graph, x: string, d: number, { cos, sin }: { cos: string; sin: string }): string {
  const p = Math.floor(d / 2);
  if (p === 0) return x;
  const x1 = slice(g, x, 3, 0, p);
  const x2 = slice(g, x, 3, p, 2 * p);
  const parts = [
    g.op("Sub", [g.op("Mul", [x1, cos]), g.op("Mul", [x2, sin])]),
    g.op("Add", [g.op("Mul", [x2, cos]), g.op("Mul", [x1, sin])]),
  ];
  if (d > 2 * p) parts.push(slice(g, x, 3, 2 * p, d));
  return g.op("Concat", parts, { axis: int(3) }, "rope");
}

/** softmax(q k^T * scale) over the keys: [B, H, N, M]. */
export function scores(g: Graph, q: string, k: string, scale: number): string {
  const logits = g.op("MatMul", [g.op("Mul", [q, g.scalar(scale)]), transpose(g, k, [0, 1, 3, 2])]);
  return g.op("Softmax", [logits], { axis: int(-1) });
}

// Linformer (packages/supernet/src/attention/linformer.ts): keys and values projected along the tokens by the
// learned E [k, N] (and F when not shared), a matmul that broadcasts over images and heads. With shareKV "kv" the
// model has no v projection and the one product E K is both the keys and the values.
import type { LinformerAttn } from "@vitnas/formats";
import { projectOut, projectQKV, scores } from "./qkv";
import type { AttentionExport } from "./types";

export const linformer: AttentionExport<LinformerAttn> = (x, ctx) => {
  const { g, w, prefix, tokens: n, headDim: d, spec } = ctx;
  const kv = spec.shareKV === "kv";
  const { q, k, v } = projectQKV(x, ctx, kv ? 2 : 3);
  const e = g.floats(`${prefix}.linformer.e`, w.get(`${prefix}.linformer.e`, [spec.k, n]), [spec.k, n]);
  const f =
    spec.shareKV === false
      ? g.floats(`${prefix}.linformer.f`, w.get(`${prefix}.linformer.f`, [spec.k, n]), [spec.k, n])
      : e;
  const kp = g.op("MatMul", [e, k]); // [B, H, k, d]
  const vp = kv ? kp : g.op("MatMul", [f, v]);
  return projectOut(g.op("MatMul", [scores(g, q, kp, 1 / Math.sqrt(d)), vp]), ctx);
};

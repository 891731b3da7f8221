// X-ViT (packages/supernet/src/attention/xnorm.ts): XNorm(Q) (XNorm(K)^T V), XNorm(x) = gamma x / |x| per token over
// the head dimension, one gamma per head; K's scale carries the model's 1/N, folded into the constant.
import type { XNormAttn } from "@vitnas/formats";
import { l2normalize, transpose } from "../layers";
import { projectOut, projectQKV } from "./qkv";
import type { AttentionExport } from "./types";

export const xnorm: AttentionExport<XNormAttn> = (x, ctx) => {
  const { g, w, prefix, heads: h, tokens: n } = ctx;
  const { q, k, v } = projectQKV(x, ctx);
  const gq = g.floats(`${prefix}.xnorm.gq`, w.get(`${prefix}.xnorm.gq`, [h]), [1, h, 1, 1]);
  // The model multiplies in float32 (gk * float32(1/N)); so does this fold.
  const inverse = Math.fround(1 / n);
  const gk = w.get(`${prefix}.xnorm.gk`, [h]).map((v) => Math.fround(v * inverse));
  const qn = g.op("Mul", [l2normalize(g, q), gq]);
  const kn = g.op("Mul", [l2normalize(g, k), g.floats(`${prefix}.xnorm.gk`, gk, [1, h, 1, 1])]);
  return projectOut(g.op("MatMul", [qn, g.op("MatMul", [transpose(g, kn, [0, 1, 3, 2]), v])]), ctx);
};

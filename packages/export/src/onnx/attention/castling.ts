// Castling-ViT's inference form (packages/supernet/src/attention/castling.ts): the linear-angular attention
// L2norm(0.5 V + (1/pi) Q^ (K^^T V)) plus the depthwise conv on V along the tokens. The masked-softmax branch exists
// only in training and is not exported.
import type { CastlingAttn } from "@vitnas/formats";
import { l2normalize, tokenConv, transpose } from "../layers";
import { projectOut, projectQKV } from "./qkv";
import type { AttentionExport } from "./types";

export const castling: AttentionExport<CastlingAttn> = (x, ctx) => {
  const { g, w, prefix, heads: h, spec } = ctx;
  const { q, k, v } = projectQKV(x, ctx);
  const kv = g.op("MatMul", [transpose(g, l2normalize(g, k), [0, 1, 3, 2]), v]); // [B, H, d, d]
  const angular = g.op("Mul", [g.op("MatMul", [l2normalize(g, q), kv]), g.scalar(1 / Math.PI)]);
  const out = l2normalize(g, g.op("Add", [g.op("Mul", [v, g.scalar(0.5)]), angular]));
  const taps = w.get(`${prefix}.castling.conv`, [h, spec.convKernel]);
  const conv = tokenConv(g, v, taps, h, spec.convKernel, `${prefix}.castling.conv`);
  return projectOut(g.op("Add", [out, conv]), ctx);
};

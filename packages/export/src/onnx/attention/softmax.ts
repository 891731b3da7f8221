// Softmax attention: softmax(q k^T / sqrt(d)) v (packages/supernet/src/attention/softmax.ts).
import type { SoftmaxAttn } from "@vitnas/formats";
import { projectOut, projectQKV, scores } from "./qkv";
import type { AttentionExport } from "./types";

export const softmax: AttentionExport<SoftmaxAttn> = (x, ctx) => {
  const { q, k, v } = projectQKV(x, ctx);
  const p = scores(ctx.g, q, k, 1 / Math.sqrt(ctx.headDim));
  return projectOut(ctx.g.op("MatMul", [p, v]), ctx);
};

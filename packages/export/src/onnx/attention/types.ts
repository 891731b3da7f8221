// One module per attention type, each writing the inference form of packages/supernet/src/attention/<type>.ts as
// ONNX nodes (docs/export.md lists the operators of each).
import type { AttentionSpec } from "@vitnas/formats";
import type { Ctx } from "../layers";

export interface AttentionCtx<S extends AttentionSpec = AttentionSpec> extends Ctx {
  spec: S;
  /** Weight-name prefix of the block, e.g. `s0.b1`. */
  prefix: string;
  /** N tokens (class token included) of width D; H heads of d channels. */
  tokens: number;
  width: number;
  heads: number;
  headDim: number;
  /** Rotary tables [N, floor(d/2)] (initializer names, written on the first call) when positions are `rope`. */
  rope?: () => { cos: string; sin: string };
}

/** x [B, N, D] (already layer-normed) -> the attention's output [B, N, D]. */
export type AttentionExport<S extends AttentionSpec = AttentionSpec> = (x: string, ctx: AttentionCtx<S>) => string;

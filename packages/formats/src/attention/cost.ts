// The interface every attention type implements for the counter: its core MACs and its extra parameters.
import type { AttentionSpec } from "../types";

/** One block's attention geometry: `N` tokens (class token included), width `D`, `H` heads of `d` channels. */
export interface AttentionShape {
  tokens: number;
  width: number;
  heads: number;
  headDim: number;
}

export interface AttentionCost<S extends AttentionSpec = AttentionSpec> {
  type: S["type"];
  /** Whether the block has q, k, v (`D -> A` each, with bias) and the output projection (`A -> D`, with bias). */
  projections: boolean;
  /** How many of q, k, v it projects when it has them: 3, or 2 where V is K itself (linformer's "kv"). */
  inputProjections?(spec: S): number;
  /** Multiply-accumulates of the core, beyond q/k/v and the output projection. */
  macs(spec: S, shape: AttentionShape): number;
  /** Trainable numbers of the core, beyond q/k/v and the output projection. */
  params(spec: S, shape: AttentionShape): number;
}

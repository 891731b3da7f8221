// The one interface every attention type implements; the model, the weight declarations and the tests iterate the
// registry (index.ts) rather than naming types.
import type * as tf from "@tensorflow/tfjs";
import type { AttentionSpec } from "@vitnas/formats";
import type { WeightSource, WeightSpec } from "../weights";

/** Sizes of one block's attention: N tokens (class token included) of width D, H heads of d channels. */
export interface AttentionDims {
  tokens: number;
  width: number;
  heads: number;
  headDim: number;
}

export interface AttentionContext<S extends AttentionSpec = AttentionSpec> extends AttentionDims {
  spec: S;
  w: WeightSource;
  /** Weight-name prefix of the block, e.g. `s0.b1`. */
  prefix: string;
  batch: number;
  /** Rotary tables [N, floor(d/2)] when positions are `rope`. */
  rope?: { cos: tf.Tensor; sin: tf.Tensor };
  training: boolean;
  /** Weight of castling's training-only softmax branch (0 drops it). */
  castlingBranch: number;
  /** The block runs under activation recomputation: a type may checkpoint its own large intermediates too. */
  recompute?: boolean;
}

/**
 * Extra weights of one type beyond q/k/v/projection; names are relative to `${prefix}.${type}`. `tokenIndexed`: an
 * axis runs over token positions (its size is the token count), so a row means a place on the grid, and the
 * super-network may hold one copy per token grid (tokenWeights "per-grid", space.ts).
 */
export type ExtraWeight = Omit<WeightSpec, "name" | "decay" | "grid"> & {
  name: string;
  decay?: boolean;
  tokenIndexed?: boolean;
};

export interface AttentionModule<S extends AttentionSpec = AttentionSpec> {
  type: S["type"];
  /** Reads the shared q/k/v and output projection. */
  qkv: boolean;
  /** How many of q, k, v it reads (the leading thirds of the [D, 3, A] weight): 3, or 2 where V is K. */
  qkvParts?(spec: S): number;
  /** Its own weights at the given sizes: the super-network declares them at the largest sizes of a stage. */
  extras(spec: S, dims: AttentionDims): ExtraWeight[];
  /** x [B, N, D] (already layer-normed) -> [B, N, D]. */
  forward(x: tf.Tensor3D, ctx: AttentionContext<S>): tf.Tensor3D;
}

// Performer (FAVOR+): positive orthogonal random features approximate the softmax kernel, linear in N.
import type { PerformerAttn } from "../types";
import type { AttentionCost } from "./cost";

/** The default number of random features for head dimension d: floor(d ln d) (Vision X-formers). */
export const defaultPerformerFeatures = (headDim: number): number =>
  Math.max(1, Math.floor(headDim * Math.log(headDim)));

export const performer: AttentionCost<PerformerAttn> = {
  type: "performer",
  projections: true,
  // Per head with m features: the feature maps of Q and of K, N*d*m each; K'^T V, N*m*d; Q'(K'^T V), N*m*d;
  // the normaliser Q'(K'^T 1), N*m, and its sum K'^T 1, N*m. Over H heads: 4*N*m*A + 2*N*m*H. The model runs
  // K'^T 1 as a sum, not a matmul: a named exception in docs/model-conventions.md.
  macs: ({ features: m }, { tokens: n, heads, headDim }) => 4 * n * m * heads * headDim + 2 * n * m * heads,
  // The random features are redrawn, never trained.
  params: () => 0,
};

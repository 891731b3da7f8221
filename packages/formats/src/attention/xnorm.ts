// X-ViT: softmax-free attention XNorm(Q) (XNorm(K)^T V), XNorm(x) = gamma * x / |x|_2 per token over the head's
// channels, computed as K^T V first so it is linear in N.
import type { XNormAttn } from "../types";
import type { AttentionCost } from "./cost";

export const xnorm: AttentionCost<XNormAttn> = {
  type: "xnorm",
  projections: true,
  // Per head: K^T V, N*d*d; Q (K^T V), N*d*d. Over H heads: 2*N*d*A.
  macs: (_, { tokens: n, heads, headDim: d }) => 2 * n * d * heads * d,
  // One learned scale gamma per head for Q and one for K.
  params: (_, { heads }) => 2 * heads,
};

// Softmax attention: softmax(Q K^T / sqrt(d)) V per head.
import type { SoftmaxAttn } from "../types";
import type { AttentionCost } from "./cost";

export const softmax: AttentionCost<SoftmaxAttn> = {
  type: "softmax",
  projections: true,
  // Q K^T: N*N*d per head, then the weights times V: N*N*d per head; over H heads 2*N^2*A.
  macs: (_, { tokens: n, heads, headDim }) => 2 * n * n * heads * headDim,
  params: () => 0,
};

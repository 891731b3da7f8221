// Nystromformer: softmax attention approximated through m landmarks (segment means of Q and K) and an iterative
// Moore-Penrose pseudo-inverse, plus a depthwise convolution on V along the tokens.
import type { NystromAttn } from "../types";
import type { AttentionCost } from "./cost";

export const nystrom: AttentionCost<NystromAttn> = {
  type: "nystrom",
  projections: true,
  // With m' = min(m, N) landmarks (segment means of Q and K: sums, no MACs), per head: kernel 1 = softmax(Q K~^T),
  // N*m'*d; kernel 3 = softmax(Q~ K^T), m'*N*d; kernel 3 times V, m'*N*d; (kernel 1 pinv) times (kernel 3 V),
  // N*m'*d (4*N*m'*d together); kernel 2 = softmax(Q~ K~^T), m'^2*d; kernel 1 times the pseudo-inverse, N*m'^2;
  // the pseudo-inverse, T iterations of 4 m' x m' products, 4*T*m'^3; the depthwise conv on V, N*r*d. Over H heads
  // (A = H*d): 4*N*m'*A + m'^2*A + N*m'^2*H + 4*T*m'^3*H + N*r*A (docs/model-conventions.md).
  macs: ({ landmarks, iterations, convKernel: r }, { tokens: n, heads, headDim }) => {
    const m = Math.min(landmarks, n);
    const a = heads * headDim;
    return 4 * n * m * a + m * m * a + n * m * m * heads + 4 * iterations * m * m * m * heads + n * r * a;
  },
  // The conv has one r-tap filter per head (shared by the head's channels), no bias.
  params: ({ convKernel: r }, { heads }) => heads * r,
};

// Castling-ViT linear-angular attention, inference form: out = 0.5*V + (1/pi) * Q^ (K^^T V) with L2-normalised
// Q^ and K^ per head, L2-normalised, plus a depthwise convolution on V along the tokens. The training-only masked
// softmax branch is not part of the inference model and is not counted.
import type { CastlingAttn } from "../types";
import type { AttentionCost } from "./cost";

export const castling: AttentionCost<CastlingAttn> = {
  type: "castling",
  projections: true,
  // Per head: K^^T V, N*d*d; Q^ (K^^T V), N*d*d; the conv on V, N*r*d. Over H heads: 2*N*d*A + N*r*A.
  macs: ({ convKernel: r }, { tokens: n, heads, headDim: d }) => 2 * n * d * heads * d + n * r * heads * d,
  // The conv has one r-tap filter per head (shared by the head's channels), no bias.
  params: ({ convKernel: r }, { heads }) => heads * r,
};

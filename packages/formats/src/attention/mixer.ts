// MLP-Mixer token mixing: an MLP across the tokens (N -> h -> N, GELU, with biases), shared by all channels; no q/k/v,
// no projection.
import type { MixerAttn } from "../types";
import type { AttentionCost } from "./cost";

/** Hidden units of the token MLP for N tokens. */
export const mixerHidden = (expansion: number, tokens: number): number => Math.max(1, Math.floor(expansion * tokens));

export const mixer: AttentionCost<MixerAttn> = {
  type: "mixer",
  projections: false,
  // Two token-wise matmuls on every one of the D channels: N*h*D each.
  macs: ({ expansion }, { tokens: n, width: d }) => 2 * n * mixerHidden(expansion, n) * d,
  // N x h and h x N weights with h and N biases.
  params: ({ expansion }, { tokens: n }) => {
    const h = mixerHidden(expansion, n);
    return 2 * n * h + h + n;
  },
};

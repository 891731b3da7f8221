// FNet: the real part of a 2-D DFT over tokens x channels replaces attention; no heads, no q/k/v, no projection.
import type { FNetAttn } from "../types";
import type { AttentionCost } from "./cost";

export const fnet: AttentionCost<FNetAttn> = {
  type: "fnet",
  projections: false,
  // Computed as matmuls with the fixed cosine and sine matrices: Re(F_N X F_D) = C_N X C_D - S_N X S_D. C_N X and
  // S_N X: N*N*D each; times C_D and S_D: N*D*D each. In all 2*N^2*D + 2*N*D^2.
  macs: (_, { tokens: n, width: d }) => 2 * n * n * d + 2 * n * d * d,
  // The DFT matrices are constants.
  params: () => 0,
};

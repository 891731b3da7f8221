// Linformer: K and V are projected along the tokens from N to k rows by a learned k x N matrix E (F for V when the
// projection is not shared), so attention costs N*k instead of N^2.
import type { LinformerAttn } from "../types";
import type { AttentionCost } from "./cost";

export const linformer: AttentionCost<LinformerAttn> = {
  type: "linformer",
  projections: true,
  // E K and E V (or F V): k*N*A each; Q (EK)^T: N*k*A; weights times EV: N*k*A. In all 4*N*k*A.
  macs: ({ k }, { tokens: n, heads, headDim }) => 4 * n * k * heads * headDim,
  // E is k x N without bias, shared by all heads; F adds another k x N when K and V do not share it.
  params: ({ k, shareKV }, { tokens: n }) => (shareKV ? 1 : 2) * k * n,
};

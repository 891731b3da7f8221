// Linformer: K and V are projected along the tokens from N to k rows by a learned k x N matrix E (F for V when the
// projection is not shared), so attention costs N*k instead of N^2. With shareKV "kv" (Vision X-formers, after
// lucidrains' linformer `share_kv`), V is K itself: no v projection, and the one product E K serves as both.
import type { LinformerAttn } from "../types";
import type { AttentionCost } from "./cost";

/** How many of q, k, v a linformer block projects: 2 where V is K ("kv"), else 3. */
export const linformerProjections = (spec: Pick<LinformerAttn, "shareKV">): number => (spec.shareKV === "kv" ? 2 : 3);

export const linformer: AttentionCost<LinformerAttn> = {
  type: "linformer",
  projections: true,
  inputProjections: linformerProjections,
  // E K and E V (or F V): k*N*A each; Q (EK)^T: N*k*A; weights times EV: N*k*A. In all 4*N*k*A; with "kv" E K is
  // computed once: 3*N*k*A.
  macs: (spec, { tokens: n, heads, headDim }) => (spec.shareKV === "kv" ? 3 : 4) * n * spec.k * heads * headDim,
  // E is k x N without bias, shared by all heads; F adds another k x N when K and V do not share it.
  params: ({ k, shareKV }, { tokens: n }) => (shareKV === false ? 2 : 1) * k * n,
};

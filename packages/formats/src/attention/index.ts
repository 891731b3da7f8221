// The registry of attention types: the counter, the tests and the super-network iterate this one table.
import type { AttentionSpec, AttentionType } from "../types";
import { castling } from "./castling";
import type { AttentionCost, AttentionShape } from "./cost";
import { fnet } from "./fnet";
import { linformer } from "./linformer";
import { mixer } from "./mixer";
import { nystrom } from "./nystrom";
import { performer } from "./performer";
import { softmax } from "./softmax";
import { xnorm } from "./xnorm";

export type { AttentionCost, AttentionShape } from "./cost";
export { linformerProjections } from "./linformer";
export { mixerHidden } from "./mixer";
export { defaultPerformerFeatures } from "./performer";

export const ATTENTION_COSTS: { [K in AttentionType]: AttentionCost<Extract<AttentionSpec, { type: K }>> } = {
  softmax,
  performer,
  linformer,
  nystrom,
  fnet,
  mixer,
  castling,
  xnorm,
};

/** The cost entry of one attention spec, typed for it. */
export function attentionCost(spec: AttentionSpec): AttentionCost {
  return ATTENTION_COSTS[spec.type] as AttentionCost;
}

/**
 * Core MACs and extra parameters of one attention, whether it has q/k/v and the output projection, and how many of
 * q, k, v it projects.
 */
export function attentionCore(spec: AttentionSpec, shape: AttentionShape) {
  const cost = attentionCost(spec);
  return {
    projections: cost.projections,
    inputProjections: cost.inputProjections?.(spec) ?? 3,
    macs: cost.macs(spec, shape),
    params: cost.params(spec, shape),
  };
}

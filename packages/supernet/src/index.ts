// Public API of the super-network package.

export type { AttentionContext, AttentionDims, AttentionModule } from "./attention";
export { attentionModule, attentionRegistry } from "./attention";
export { archForward, type ForwardOptions } from "./model";
export { reachableGrids, supernetWeights } from "./space";
export { Supernet, type SupernetOptions } from "./supernet";
export type { WeightSource, WeightSpec } from "./weights";

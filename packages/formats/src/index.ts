// Public API of the formats package: schemas, complete types, validation, defaults and the MACs counter.
export * from "./attention";
export * from "./cost";
export * from "./counter";
export * from "./defaults";
export * from "./depth";
export * from "./position";
export * from "./reduction";
export * from "./schema";
// The space's costliest corner, the upper end of its MACs range (the job estimate prices training with it).
export { largestArch } from "./semantics";
export * from "./space";
export { jsonPath } from "./structure";
export { spaceHash, supernetRecipeHash } from "./supernet-identity";
export type * from "./types";
export * from "./validate";

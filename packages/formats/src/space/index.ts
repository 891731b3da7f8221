// Search-space operations: sampling, mutation, crossover, shrinking to constraints, canonical ids, size, membership.
export { crossoverArch } from "./crossover";
export { archHash, canonicalArch, canonicalArchJson, canonicalJson } from "./hash";
export { isInSpace, outsideSpace } from "./membership";
export { mutateArch } from "./mutate";
export { spaceOfArch } from "./of-arch";
export { chance, createRng, pick, type Rng, randomIndex, restoreRng } from "./random";
export { EmptySpaceError, sampleArch } from "./sample";
export { ConstraintError, type Constraints, meetsConstraints, shrinkArch, violation } from "./shrink";
export { spaceSize } from "./size";
export { smallestArch } from "./smallest";
export { UNIFORM_PICKS, type UniformPick, uniformArch } from "./uniform";

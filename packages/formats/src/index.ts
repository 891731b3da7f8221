// Public API of the formats package: schemas, complete types, validation, defaults and the MACs counter.
export * from "./counter";
export * from "./schema";
export type * from "./types";

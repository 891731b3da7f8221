// Public API of the search package: the evolutionary multi-objective search, its Pareto front and ranking, and the
// evaluation cache.
export * from "./cache";
export * from "./evolution";
export * from "./front";
export * from "./objectives";
export * from "./ranking";
export * from "./reference";

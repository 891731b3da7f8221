// Public API of the search package: the evolutionary multi-objective search, its Pareto front and ranking, the
// evaluation cache, and analyses of a search's candidates (choices made, how much each explains accuracy).
export * from "./arch-choices";
export * from "./cache";
export * from "./choice-importance";
export * from "./evolution";
export * from "./front";
export * from "./objectives";
export * from "./latency-front";
export * from "./ranking";
export * from "./reference";

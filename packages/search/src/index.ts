// Public API of the search package: the evolutionary multi-objective search, its Pareto front and ranking, the
// evaluation cache, random search, and analyses of a search's candidates (choices made, how much each explains accuracy,
// how well one ranking agrees with another, samples spread over the space to measure it on).
export * from "./arch-choices";
export * from "./cache";
export * from "./choice-importance";
export * from "./evolution";
export * from "./front";
export * from "./kendall";
export * from "./latency-front";
export * from "./objectives";
export * from "./random-search";
export * from "./ranking";
export * from "./reference";
export * from "./stratified-sample";

// The contract between the API (which queues searches, cancels them and streams their live events) and the workers
// (which run them): neither app imports the other; both import this package.
export { checkRedis, DEFAULT_REDIS_URL } from "./check-redis";
export { datasetRootIssues, OUTSIDE_DATASET_ROOTS, parseDatasetRoots } from "./dataset-roots";
export * from "./evaluation-queue";
export * from "./live-events";
export * from "./queue";

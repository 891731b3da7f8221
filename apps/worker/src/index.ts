// Public API of the worker package: the queue (for producers such as the API), live events and cancellation, the
// artifact store, and the worker itself.
export * from "./artifact-store";
export { datasetRootIssues, OUTSIDE_DATASET_ROOTS, parseDatasetRoots } from "./dataset-roots";
export * from "./live-events";
export { createLogger, type Logger } from "./logger";
export * from "./queue";
export type { SelfTestResult } from "./search-child-protocol";
export type { SearchRecords, SearchToRun } from "./search-records";
export {
  type SearchWorker,
  type SearchWorkerOptions,
  SelfTestFailedError,
  startSearchWorker,
  workerHeartbeatKey,
} from "./search-worker";
export { checkPostgres, checkRedis } from "./services";
export * from "./settings";
export { startWorkerProcess, type WorkerProcess } from "./worker-process";

// Public API of the worker package: the artifact store and the worker itself. The queue, live events and
// cancellation that producers such as the API share with it are @vitnas/queue's.
export * from "./artifact-settings";
export * from "./artifact-store";
export { type DatasetBlobs, datasetKey, storeDatasetBlobs } from "./dataset-blobs";
export { cachedUpload, DEFAULT_DATASET_CACHE } from "./dataset-cache";
export { createLogger, type Logger } from "./logger";
export * from "./s3-artifact-store";
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

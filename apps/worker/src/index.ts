// Public API of the worker package: the worker itself and its start-up checks. The queue, live events and
// cancellation it shares with the API are @vitnas/queue's; the artifact store they share is @vitnas/artifacts'.
export { createLogger, type Logger } from "./logger";
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

// Public API of the worker package: the worker itself. Its start-up checks, and the queue, live events and
// cancellation it shares with the API, are @vitnas/queue's (and @vitnas/db's); the artifact store is @vitnas/artifacts'.
export { createLogger, type Logger } from "./logger";
export type { SearchRecords, SearchToRun } from "./search-records";
export {
  type SearchWorker,
  type SearchWorkerOptions,
  SelfTestFailedError,
  startSearchWorker,
  workerHeartbeatKey,
} from "./search-worker";
export * from "./settings";
export { startWorkerProcess, type WorkerProcess } from "./worker-process";

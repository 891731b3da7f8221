// `npm run worker`: one worker process consuming the search queue until SIGTERM or SIGINT, which checkpoint the
// running searches and put them back in the queue. Configuration: see settings.ts (REDIS_URL, DATABASE_URL,
// ARTIFACTS_DIR, WORKER_CONCURRENCY, WORKER_METRICS_PORT, ...).
import { createLogger } from "./logger";
import { SelfTestFailedError } from "./search-worker";
import { settingsFromEnv } from "./settings";
import { startWorkerProcess, type WorkerProcess } from "./worker-process";

const logger = createLogger("worker");
let running: WorkerProcess | undefined;
let stopSignal: NodeJS.Signals | undefined;

function stop(signal: NodeJS.Signals): void {
  if (stopSignal) {
    logger.warn({ signal }, "second signal: exiting without waiting for checkpoints");
    process.exit(1);
  }
  stopSignal = signal;
  // A signal during start-up is acted on once the worker is up (it may already hold a job by then).
  if (!running) return;
  logger.info({ signal }, "checkpointing running searches and putting them back in the queue");
  running.shutdown().then(
    () => process.exit(0),
    (err: Error) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    },
  );
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

try {
  const settings = settingsFromEnv();
  running = await startWorkerProcess(settings, logger, {
    runnerModule: process.env.WORKER_RUNNER_MODULE || undefined,
    selfTestModule: process.env.WORKER_SELF_TEST_MODULE || undefined,
  });
  logger.info(
    { concurrency: settings.concurrency, metrics: running.worker.metricsServer?.address() ?? null },
    "worker consuming the search queue",
  );
  if (stopSignal) {
    const signal = stopSignal;
    stopSignal = undefined;
    stop(signal);
  }
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  logger.fatal({ err }, message);
  // Read by process supervisors: 3 is a backend that failed its self-test, 1 anything else (services, settings).
  process.exit(err instanceof SelfTestFailedError ? 3 : 1);
}

// A worker process's searches: self-test, then a BullMQ Worker consuming the search queue, the cancellation
// listener, heartbeats and metrics. `main.ts` wires it to the environment; tests start it directly.
import type { Server } from "node:http";
import type { ArtifactStore } from "@vitnas/artifacts";
import {
  createSearchQueue,
  parseControlMessage,
  SEARCH_QUEUE,
  type SearchJobData,
  searchControlChannel,
} from "@vitnas/queue";
import type { SelfTestResult } from "@vitnas/supernet";
import { type Job, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { createLogger, type Logger } from "./logger";
import { serveMetrics, WorkerMetrics } from "./metrics";
import { startReconciler } from "./reconciler";
import { processSearchJob, type SearchJobContext } from "./search-job";
import type { StopReason } from "./search-outcome";
import { runSelfTest } from "./search-process";
import type { SearchRecords } from "./search-records";
import type { WorkerSettings } from "./settings";

export interface SearchWorkerOptions {
  settings: WorkerSettings;
  records: SearchRecords;
  store: ArtifactStore;
  logger?: Logger;
  /** Module exporting `runSearch`; default "@vitnas/pipeline". */
  runnerModule?: string;
  /** Module exporting `initBackend` and `selfTest`; default "@vitnas/supernet". */
  selfTestModule?: string;
}

export interface SearchWorker {
  readonly worker: Worker<SearchJobData>;
  readonly metrics: WorkerMetrics;
  readonly selfTest: SelfTestResult;
  readonly metricsServer: Server | undefined;
  /** Searches running in this process now. */
  runningSearches(): string[];
  /**
   * Stops taking jobs, asks the running searches to checkpoint and puts them back in the queue for another worker,
   * then closes every connection.
   */
  shutdown(): Promise<void>;
}

export class SelfTestFailedError extends Error {
  constructor(readonly result: SelfTestResult) {
    super(
      `backend self-test failed on ${result.backend} (${result.device}): ${result.error ?? "no reason given"}; ` +
        "this worker takes no searches (fix the backend or force another one with NAS_BACKEND)",
    );
    this.name = "SelfTestFailedError";
  }
}

const HEARTBEAT_MS = 5000;

export function workerHeartbeatKey(prefix: string, worker: string): string {
  return `${prefix}:workers:${worker}`;
}

export async function startSearchWorker(options: SearchWorkerOptions): Promise<SearchWorker> {
  const { settings } = options;
  const logger = (options.logger ?? createLogger("worker")).child({ worker: settings.name });
  const metrics = new WorkerMetrics(settings.name);

  const selfTest = await runSelfTest({
    backend: settings.backend,
    module: options.selfTestModule ?? "@vitnas/supernet",
  });
  metrics.recordSelfTest(selfTest);
  if (!selfTest.ok) {
    logger.error({ selfTest }, "backend self-test failed; not consuming the queue");
    throw new SelfTestFailedError(selfTest);
  }
  logger.info({ backend: selfTest.backend, device: selfTest.device, ms: Math.round(selfTest.ms) }, "backend self-test");

  const redisOptions = { maxRetriesPerRequest: null, lazyConnect: false } as const;
  const publisher = new Redis(settings.redisUrl, redisOptions);
  const subscriber = new Redis(settings.redisUrl, redisOptions);
  const bullConnection = new Redis(settings.redisUrl, redisOptions);
  for (const connection of [publisher, subscriber, bullConnection]) {
    connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  }

  // The searches this process runs (for heartbeats, the reconciler and the cancellation poll); stopping one goes
  // through BullMQ's own cancellation (`worker.cancelJob`), which aborts its processor's signal.
  const running = new Set<string>();
  const ctx: SearchJobContext = {
    records: options.records,
    store: options.store,
    redis: publisher,
    prefix: settings.queuePrefix,
    logger,
    metrics,
    selfTest,
    worker: settings.name,
    runnerModule: options.runnerModule ?? "@vitnas/pipeline",
    backend: settings.backend,
    childRetries: settings.childRetries,
    datasetCacheDir: settings.datasetCacheDir,
    datasetRoots: settings.datasetRoots,
    maxRunningPerTeam: settings.maxRunningPerTeam,
    teamLimitRetryMs: settings.teamLimitRetryMs,
    // Evaluation workers read the checkpoint from the shared artifact directory; a store synced to a bucket now and
    // then has none to read (docs/deployment.md, "Evaluation fan-out").
    fanout: {
      mode: options.store.saveEveryMs === undefined ? settings.evalFanout : "off",
      redisUrl: settings.redisUrl,
    },
  };

  // Three parameters: BullMQ gives a processor that takes a third one an abort signal, which `cancelJob` aborts.
  const processor = async (job: Job<SearchJobData>, token: string | undefined, signal?: AbortSignal) => {
    running.add(job.data.searchId);
    try {
      await processSearchJob(job, token, ctx, signal);
    } finally {
      running.delete(job.data.searchId);
    }
  };
  const worker = new Worker<SearchJobData>(SEARCH_QUEUE, processor, {
    connection: bullConnection,
    prefix: settings.queuePrefix,
    name: settings.name,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
  });
  worker.on("error", (err) => logger.error({ err }, "queue worker error"));
  worker.on("stalled", (jobId) =>
    logger.warn(
      { searchId: jobId },
      "a search's worker stopped renewing its lock: back in the queue, or failed past WORKER_MAX_STALLED",
    ),
  );
  const cancel = (searchId: string, reason: StopReason) => worker.cancelJob(searchId, reason);
  worker.on("lockRenewalFailed", (jobIds) => {
    for (const id of jobIds) cancel(id, "lock-lost");
  });
  const control = searchControlChannel(settings.queuePrefix);
  subscriber.on("message", (channel, raw) => {
    if (channel !== control) return;
    const message = parseControlMessage(raw);
    // The job id is the search id (enqueueSearch); a worker not running it has nothing to cancel.
    if (message) cancel(message.searchId, "cancelled");
  });
  await subscriber.subscribe(control);

  // Pub/sub delivers cancellations at once; this catches one published while the worker was not subscribed.
  const cancelPoll = setInterval(() => {
    for (const id of running) {
      options.records.status(id).then(
        (value) => value === "cancelled" && cancel(id, "cancelled"),
        (err: Error) => logger.warn({ err, searchId: id }, "could not read the search's status"),
      );
    }
  }, settings.cancelPollMs);

  // A job whose workers died more than maxStalledCount times is failed by BullMQ's stalled checker, which runs no
  // processor: the search's status is set here, by whichever workers hear of it (the transition is conditional).
  const eventsConnection = new Redis(settings.redisUrl, redisOptions);
  eventsConnection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const queueEvents = new QueueEvents(SEARCH_QUEUE, { connection: eventsConnection, prefix: settings.queuePrefix });
  queueEvents.on("error", (err) => logger.warn({ err: err.message }, "queue events error"));
  queueEvents.on("failed", ({ jobId, failedReason }) => {
    if (!/stalled more than allowable limit/.test(failedReason)) return;
    const times = settings.maxStalledCount + 1;
    const error =
      `the search's worker stopped ${times === 1 ? "once" : `${times} times`} while running it (killed, out of ` +
      "memory, or its machine lost); checkpoints are kept, resume it to continue";
    options.records
      .failStalled(jobId, error)
      .then((changed) => changed && logger.error({ searchId: jobId }, error))
      .catch((err: Error) => logger.error({ err, searchId: jobId }, "could not record a stalled search's failure"));
  });

  const heartbeatKey = workerHeartbeatKey(settings.queuePrefix, settings.name);
  const beat = () => {
    metrics.beat();
    const body = JSON.stringify({
      worker: settings.name,
      backend: selfTest.backend,
      device: selfTest.device,
      selfTestMs: selfTest.ms,
      running: [...running],
      concurrency: settings.concurrency,
      at: new Date().toISOString(),
    });
    publisher.set(heartbeatKey, body, "PX", HEARTBEAT_MS * 3).catch(() => undefined);
  };
  beat();
  const heartbeat = setInterval(beat, HEARTBEAT_MS);

  // Postgres against the queue, for searches whose jobs Redis lost with its data.
  const queue = createSearchQueue(publisher, { prefix: settings.queuePrefix });
  queue.on("error", (err) => logger.warn({ err: err.message }, "queue error"));
  const reconciler =
    settings.reconcileIntervalMs > 0
      ? startReconciler({
          queue,
          redis: publisher,
          prefix: settings.queuePrefix,
          records: options.records,
          logger,
          graceMs: settings.reconcileGraceMs,
          intervalMs: settings.reconcileIntervalMs,
          localRunning: () => running.values(),
        })
      : undefined;

  const metricsServer =
    settings.metricsPort === undefined ? undefined : await serveMetrics(metrics, settings.metricsPort);

  let closing: Promise<void> | undefined;
  return {
    worker,
    metrics,
    selfTest,
    metricsServer,
    runningSearches: () => [...running],
    shutdown() {
      closing ??= (async () => {
        logger.info({ running: [...running] }, "shutting down");
        await reconciler?.stop();
        clearInterval(cancelPoll);
        const closed = Promise.all([worker.close(), queueEvents.close()]);
        // Each running search checkpoints, and is put back in the queue (search-outcome.ts).
        worker.cancelAllJobs("shutdown" satisfies StopReason);
        await closed;
        clearInterval(heartbeat);
        await queue.close().catch(() => undefined);
        await publisher.del(heartbeatKey).catch(() => undefined);
        await Promise.all(
          [publisher, subscriber, bullConnection, eventsConnection]
            .map((c) => c.quit())
            .map((p) => p.catch(() => undefined)),
        );
        if (metricsServer) await new Promise((resolve) => metricsServer.close(resolve));
        logger.info("worker stopped");
      })();
      return closing;
    },
  };
}

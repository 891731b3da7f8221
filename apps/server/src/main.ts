// `npm start`: a whole single-machine service in one process. Checks PostgreSQL (creating the database when it is
// missing) and Redis, applies the migrations, starts the API on PORT (default 3000), then one worker. More workers
// run on their own with `npm run worker`, against the same DATABASE_URL, REDIS_URL and ARTIFACTS_DIR (or ARTIFACTS_URL).
import { apiSettingsFromEnv, buildApp, redisServices } from "@vitnas/api";
import { createArtifactStore } from "@vitnas/artifacts";
import { createDb, migrate, redactUrl } from "@vitnas/db";
import {
  checkPostgres,
  checkRedis,
  createLogger,
  settingsFromEnv,
  startWorkerProcess,
  type WorkerProcess,
} from "@vitnas/worker";

const logger = createLogger("vitnas");
/** What is running so far, closed in reverse order on a signal. */
const closers: (() => Promise<unknown>)[] = [];
let stopping = false;

async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  logger.info({ signal }, "shutting down: running searches checkpoint and go back to the queue");
  for (const close of closers.reverse()) {
    await close().catch((err: unknown) => logger.error({ err }, "shutdown step failed"));
  }
  process.exit(0);
}
process.on("SIGTERM", (signal) => void stop(signal));
process.on("SIGINT", (signal) => void stop(signal));

async function start(): Promise<void> {
  const api = apiSettingsFromEnv();
  const workerSettings = settingsFromEnv();
  await checkRedis(api.redisUrl);
  const { created } = await checkPostgres(api.databaseUrl, { create: true });
  if (created) logger.info({ database: redactUrl(api.databaseUrl) }, "created the database");
  const applied = await migrate(api.databaseUrl);
  logger.info(
    { database: redactUrl(api.databaseUrl), applied },
    applied.length ? "applied migrations" : "schema up to date",
  );
  if (stopping) return;

  const db = createDb(api.databaseUrl);
  closers.push(() => db.close());
  const redis = redisServices({ redisUrl: api.redisUrl, prefix: api.queuePrefix });
  closers.push(() => redis.close());
  const artifacts = createArtifactStore(api.artifactStore);
  await artifacts.check?.();
  const app = await buildApp({
    db,
    dispatch: redis.dispatch,
    live: redis.live,
    workers: redis.workers,
    revocations: redis.revocations,
    datasetRoots: api.datasetRoots,
    jobLimits: api.jobLimits,
    artifacts,
    readiness: { redis: () => redis.ping() },
    loggerInstance: logger.child({ component: "api" }),
    rateLimit: { max: api.rateLimitPerMinute, timeWindowMs: 60_000 },
    secureCookie: api.secureCookie,
    trustProxy: api.trustProxy,
    ...(api.dashboardDir ? { dashboardDir: api.dashboardDir } : {}),
  });
  closers.push(() => app.close());
  await app.listen({ host: api.host, port: api.port });
  if (stopping) return;

  // The API serves (and queues searches) even when this worker cannot: its failed self-test is logged, not fatal.
  let worker: WorkerProcess;
  try {
    worker = await startWorkerProcess(workerSettings, logger.child({ component: "worker" }));
  } catch (err) {
    logger.error({ err }, `no worker in this process: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  if (stopping) {
    // A signal came while the worker was starting: it may hold a job already, so put it back.
    await worker.shutdown();
    return;
  }
  closers.push(() => worker.shutdown());
  logger.info({ backend: worker.worker.selfTest.backend, concurrency: workerSettings.concurrency }, "worker started");
}

start().catch((err: unknown) => {
  logger.fatal({ err }, err instanceof Error ? err.message : String(err));
  process.exit(1);
});

// Runs the API: builds it from the environment's services and listens until SIGINT/SIGTERM.

import { createArtifactStore, storeDatasetBlobs } from "@vitnas/artifacts";
import { createDb, migrate, redactUrl } from "@vitnas/db";
import { buildApp } from "./app";
import { redisServices } from "./services";
import { apiSettingsFromEnv } from "./settings";

const settings = apiSettingsFromEnv();
if (settings.migrateOnStart) {
  const applied = await migrate(settings.databaseUrl);
  if (applied.length) console.log(`applied migrations ${applied.join(", ")} to ${redactUrl(settings.databaseUrl)}`);
}
const db = createDb(settings.databaseUrl);
const artifacts = createArtifactStore(settings.artifactStore);
await artifacts.check?.();
const redis = redisServices({ redisUrl: settings.redisUrl, prefix: settings.queuePrefix });
const app = await buildApp({
  db,
  dispatch: redis.dispatch,
  live: redis.live,
  workers: redis.workers,
  revocations: redis.revocations,
  artifacts,
  datasetBlobs: storeDatasetBlobs(artifacts),
  datasetLimits: settings.datasetLimits,
  readiness: { redis: () => redis.ping() },
  logger: {
    level: settings.logLevel,
    ...(settings.pretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l" } } } : {}),
  },
  rateLimit: {
    max: settings.rateLimitPerMinute,
    timeWindowMs: 60_000,
    redis: redis.failFast,
    nameSpace: settings.queuePrefix,
  },
  secureCookie: settings.secureCookie,
  trustProxy: settings.trustProxy,
  datasetRoots: settings.datasetRoots,
  jobLimits: settings.jobLimits,
  ...(settings.dashboardDir ? { dashboardDir: settings.dashboardDir } : {}),
});

// Expired dashboard sessions are refused anyway; this only keeps the table small.
const sweep = setInterval(
  () => void db.sessions.deleteExpired().catch((err: unknown) => app.log.warn({ err }, "expired sessions not swept")),
  3600_000,
);
sweep.unref();

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, "shutting down");
  clearInterval(sweep);
  await app.close();
  await redis.close();
  await db.close();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));

await app.listen({ host: settings.host, port: settings.port });

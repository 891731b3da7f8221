// Worker settings from the environment, with the defaults a single-machine install needs.
import { hostname } from "node:os";
import { type ArtifactStoreSettings, artifactSettingsFromEnv, DEFAULT_DATASET_CACHE } from "@vitnas/artifacts";
import { DEFAULT_DATABASE_URL } from "@vitnas/db";
import type { FanoutMode } from "@vitnas/pipeline";
import { DEFAULT_REDIS_URL, parseDatasetRoots, parseFanoutMode } from "@vitnas/queue";

export interface WorkerSettings {
  redisUrl: string;
  databaseUrl: string;
  /** Root of the artifact store shared by every worker (checkpoints, bundles). */
  artifactsDir: string;
  /** The artifact store (ARTIFACTS_URL, docs/deployment.md); the directory `artifactsDir` when absent. */
  artifactStore?: ArtifactStoreSettings;
  /** Searches one worker process runs at the same time; each trains in its own child process. */
  concurrency: number;
  /** BullMQ key prefix: lets several installs (or test runs) share one Redis. */
  queuePrefix: string;
  /**
   * How long a job's lock lives without renewal. The lock is renewed every half of this while the worker's event
   * loop is alive (training runs in a child process, so it always is); a worker killed outright stops renewing it,
   * and the job is taken up again by another worker after at most `lockDurationMs + 2 * stalledIntervalMs`.
   */
  lockDurationMs: number;
  /** How often each worker looks for jobs whose lock has expired. */
  stalledIntervalMs: number;
  /** How many times a job may be recovered from a dead worker before it is failed (a search that kills workers). */
  maxStalledCount: number;
  /**
   * How many times a search's training process that died under a live worker (killed, out of memory) is started
   * again from the last checkpoint before the search is failed.
   */
  childRetries: number;
  /** How often this worker checks Postgres's queued and running searches against the queue (0: never). */
  reconcileIntervalMs: number;
  /** How long a queued or running search must have gone without an update before it is re-queued for want of a job. */
  reconcileGraceMs: number;
  /** How often a running search's status is read back from Postgres to notice a cancellation missed on pub/sub. */
  cancelPollMs: number;
  /** Port of the Prometheus `/metrics` endpoint; 0 picks a free port, undefined serves none. */
  metricsPort: number | undefined;
  /** Force a tfjs backend ("tensorflow", "wasm", "cpu"); default: the best available. */
  backend: string | undefined;
  /** Name of this worker in logs, metrics and BullMQ. */
  name: string;
  /** DATASET_CACHE_DIR: where uploaded datasets are unpacked, one directory per upload's SHA-256. */
  datasetCacheDir: string;
  /** DATASET_ROOTS: the directories queued searches may read datasets from; none allows only synthetic data. */
  datasetRoots: string[];
  /** MAX_RUNNING_SEARCHES_PER_TEAM: searches of one team running at once on all workers (a team's own replaces it). */
  maxRunningPerTeam: number;
  /** How long a search held back by its team's running limit waits in the queue before a worker tries it again. */
  teamLimitRetryMs: number;
  /** EVAL_FANOUT: whether searches hand generations to the evaluation workers (docs/deployment.md). */
  evalFanout: FanoutMode;
  /** EVAL_CHECKPOINTS_KEPT: frozen super-networks an evaluation worker keeps loaded. */
  checkpointsKept: number;
}

export { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL };

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${key} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const metricsPort = env.WORKER_METRICS_PORT;
  return {
    redisUrl: env.REDIS_URL || DEFAULT_REDIS_URL,
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    artifactsDir: env.ARTIFACTS_DIR || "./artifacts",
    artifactStore: artifactSettingsFromEnv(env),
    concurrency: integer(env, "WORKER_CONCURRENCY", 1, 1),
    queuePrefix: env.QUEUE_PREFIX || "vitnas",
    lockDurationMs: integer(env, "WORKER_LOCK_MS", 30_000, 1000),
    stalledIntervalMs: integer(env, "WORKER_STALLED_INTERVAL_MS", 15_000, 500),
    maxStalledCount: integer(env, "WORKER_MAX_STALLED", 3, 0),
    childRetries: integer(env, "SEARCH_CHILD_RETRIES", 2, 0),
    reconcileIntervalMs: integer(env, "WORKER_RECONCILE_MS", 60_000, 0),
    reconcileGraceMs: integer(env, "WORKER_RECONCILE_GRACE_MS", 30_000, 0),
    cancelPollMs: integer(env, "WORKER_CANCEL_POLL_MS", 5000, 100),
    metricsPort:
      metricsPort === undefined || metricsPort === "" ? undefined : integer(env, "WORKER_METRICS_PORT", 0, 0),
    backend: env.NAS_BACKEND || undefined,
    name: env.WORKER_NAME || `${hostname()}-${process.pid}`,
    datasetCacheDir: env.DATASET_CACHE_DIR || DEFAULT_DATASET_CACHE,
    datasetRoots: parseDatasetRoots(env.DATASET_ROOTS),
    maxRunningPerTeam: integer(env, "MAX_RUNNING_SEARCHES_PER_TEAM", 10, 1),
    teamLimitRetryMs: integer(env, "WORKER_TEAM_LIMIT_RETRY_MS", 5000, 100),
    evalFanout: parseFanoutMode(env.EVAL_FANOUT),
    checkpointsKept: integer(env, "EVAL_CHECKPOINTS_KEPT", 2, 1),
  };
}

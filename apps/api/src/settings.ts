// API settings from the environment, with the defaults a single-machine install needs.

import { type ArtifactStoreSettings, artifactSettingsFromEnv } from "@vitnas/artifacts";
import { parseDatasetRoots } from "@vitnas/queue";
import { type DatasetLimits, DEFAULT_DATASET_LIMITS } from "./dataset-uploads";
import { DEFAULT_JOB_LIMITS, type JobLimits } from "./job-limits";

export interface ApiSettings {
  host: string;
  port: number;
  databaseUrl: string;
  redisUrl: string;
  artifactsDir: string;
  /** The artifact store (ARTIFACTS_URL, docs/deployment.md); the same one as the workers'. */
  artifactStore: ArtifactStoreSettings;
  /** BullMQ and pub/sub prefix shared with the workers. */
  queuePrefix: string;
  dashboardDir: string | undefined;
  /** Requests per key per minute. */
  rateLimitPerMinute: number;
  secureCookie: boolean;
  trustProxy: boolean;
  migrateOnStart: boolean;
  logLevel: string;
  pretty: boolean;
  /** MAX_DATASET_UPLOAD_BYTES, MAX_DATASET_FILES, MAX_DATASET_UNPACKED_BYTES: what one upload may hold. */
  datasetLimits: DatasetLimits;
  /** DATASET_ROOTS, colon-separated: the directories submitted jobs may read datasets from. */
  datasetRoots: string[];
  /** MAX_JOB_*, MAX_ACTIVE_SEARCHES_PER_TEAM and MAX_QUEUED_SEARCHES_PER_TEAM: what one submission may ask. */
  jobLimits: JobLimits;
}

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${key} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** A limit: a positive integer, in exponent notation too (MAX_JOB_TRAINING_MACS=1e17). */
const limit = (env: NodeJS.ProcessEnv, key: string, fallback: number) => integer(env, key, fallback, 1, 1e30);

const flag = (value: string | undefined) => value === "1" || value === "true";

export function apiSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiSettings {
  return {
    host: env.HOST || "0.0.0.0",
    port: integer(env, "PORT", 3000, 0, 65535),
    databaseUrl: env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/vitnas",
    redisUrl: env.REDIS_URL || "redis://127.0.0.1:6379",
    artifactsDir: env.ARTIFACTS_DIR || "./artifacts",
    artifactStore: artifactSettingsFromEnv(env),
    queuePrefix: env.QUEUE_PREFIX || "vitnas",
    dashboardDir: env.DASHBOARD_DIR || undefined,
    rateLimitPerMinute: integer(env, "RATE_LIMIT_PER_MINUTE", 600, 1, 1_000_000),
    secureCookie: flag(env.SECURE_COOKIE),
    trustProxy: flag(env.TRUST_PROXY),
    migrateOnStart: flag(env.MIGRATE_ON_START),
    logLevel: env.LOG_LEVEL || "info",
    pretty: env.NODE_ENV === "development",
    datasetLimits: {
      uploadBytes: limit(env, "MAX_DATASET_UPLOAD_BYTES", DEFAULT_DATASET_LIMITS.uploadBytes),
      files: limit(env, "MAX_DATASET_FILES", DEFAULT_DATASET_LIMITS.files),
      unpackedBytes: limit(env, "MAX_DATASET_UNPACKED_BYTES", DEFAULT_DATASET_LIMITS.unpackedBytes),
    },
    datasetRoots: parseDatasetRoots(env.DATASET_ROOTS),
    jobLimits: {
      trainingMacs: limit(env, "MAX_JOB_TRAINING_MACS", DEFAULT_JOB_LIMITS.trainingMacs),
      evaluations: limit(env, "MAX_JOB_EVALUATIONS", DEFAULT_JOB_LIMITS.evaluations),
      evaluationMacs: limit(env, "MAX_JOB_EVALUATION_MACS", DEFAULT_JOB_LIMITS.evaluationMacs),
      datasetBytes: limit(env, "MAX_JOB_DATASET_BYTES", DEFAULT_JOB_LIMITS.datasetBytes),
      activeSearchesPerTeam: limit(env, "MAX_ACTIVE_SEARCHES_PER_TEAM", DEFAULT_JOB_LIMITS.activeSearchesPerTeam),
      queuedSearchesPerTeam: limit(env, "MAX_QUEUED_SEARCHES_PER_TEAM", DEFAULT_JOB_LIMITS.queuedSearchesPerTeam),
    },
  };
}

// `npm run evaluation-worker`: one process evaluating architectures from the evaluation queue until SIGTERM or SIGINT
// (docs/deployment.md, "Evaluation fan-out"). Configuration: settings.ts (REDIS_URL, QUEUE_PREFIX, NAS_BACKEND,
// WORKER_NAME, EVAL_CHECKPOINTS_KEPT, DATASET_ROOTS, DATASET_CACHE_DIR, ARTIFACTS_DIR / ARTIFACTS_URL, ...).
import { createArtifactStore } from "@vitnas/artifacts";
import { checkRedis } from "@vitnas/queue";
import { startEvaluationWorker } from "./evaluation-worker";
import { createLogger } from "./logger";
import { settingsFromEnv } from "./settings";

const logger = createLogger("evaluation-worker");
try {
  const settings = settingsFromEnv();
  await checkRedis(settings.redisUrl);
  const store = createArtifactStore(settings.artifactStore ?? { kind: "local", dir: settings.artifactsDir });
  const running = await startEvaluationWorker({ settings, store, logger });
  logger.info({ worker: settings.name }, "evaluation worker consuming the evaluation queue");
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, "stopping: the evaluation in flight finishes first");
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} catch (err) {
  logger.fatal({ err }, err instanceof Error ? err.message : String(err));
  process.exit(1);
}

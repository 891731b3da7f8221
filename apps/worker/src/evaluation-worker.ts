// An evaluation worker (docs/deployment.md, "Evaluation fan-out"): consumes the `evaluations` queue, one architecture
// per job, evaluated with weights inherited from its search's frozen super-network checkpoint. Any idle machine, CPU
// or GPU, may run one; it loads each checkpoint once (CheckpointLru). A worker killed mid-evaluation stops renewing
// its job's lock and BullMQ's stalled-job check hands the job to another worker; a worker whose evaluation process
// fails outright fails one attempt, and the job is retried. Either way the result reaches the generation once.
import { type ArtifactStore, cachedUpload, DEFAULT_DATASET_CACHE } from "@vitnas/artifacts";
import { loadDataset } from "@vitnas/datasets";
import { archHash, countArch } from "@vitnas/formats";
import { checkpointName, type EvaluationTarget } from "@vitnas/pipeline";
import { datasetRootIssues, EVALUATION_QUEUE, type EvaluationJobData, type EvaluationJobResult } from "@vitnas/queue";
import { Evaluator, initBackend, loadSupernet } from "@vitnas/supernet";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { CheckpointLru, type LoadedCheckpoint } from "./checkpoint-lru";
import { createLogger, type Logger } from "./logger";
import type { WorkerSettings } from "./settings";

export interface EvaluationWorkerOptions {
  settings: Pick<
    WorkerSettings,
    | "redisUrl"
    | "queuePrefix"
    | "name"
    | "backend"
    | "lockDurationMs"
    | "stalledIntervalMs"
    | "maxStalledCount"
    | "datasetCacheDir"
    | "datasetRoots"
    | "checkpointsKept"
  >;
  /** Where an uploaded dataset is fetched from the first time (the search workers' store). */
  store?: Pick<ArtifactStore, "open">;
  logger?: Logger;
}

export interface EvaluationWorker {
  readonly worker: Worker<EvaluationJobData, EvaluationJobResult>;
  readonly checkpoints: CheckpointLru;
  /** Architectures this worker evaluated. */
  evaluated(): number;
  close(): Promise<void>;
}

/** The checkpoint the job names, with the split it names, or an unrecoverable error saying which differs. */
async function loadTarget(target: EvaluationTarget, options: EvaluationWorkerOptions): Promise<LoadedCheckpoint> {
  const { settings } = options;
  const refused = await datasetRootIssues(target.dataset, settings.datasetRoots);
  if (refused.length > 0) {
    throw new UnrecoverableError(refused.map((issue) => `${issue.path}: ${issue.message}`).join("; "));
  }
  const uploads = settings.datasetCacheDir ?? DEFAULT_DATASET_CACHE;
  const { dataset } = target;
  if (dataset.kind === "uploaded" && dataset.sha256 && options.store) {
    await cachedUpload(options.store, uploads, dataset.sha256);
  }
  const data = await loadDataset(dataset, target.input, { uploads });
  if (data.fingerprint !== target.split) {
    throw new UnrecoverableError(`the validation split here is ${data.fingerprint}, the search's ${target.split}`);
  }
  const { supernet, step, sha256 } = await loadSupernet(target.checkpointDir);
  const id = checkpointName(step, sha256);
  if (id !== target.checkpoint) {
    supernet.dispose();
    throw new UnrecoverableError(
      `${target.checkpointDir} holds checkpoint ${id}, the search evaluates ${target.checkpoint}`,
    );
  }
  return { supernet, val: data.val, evaluator: new Evaluator(supernet, data.val) };
}

export async function startEvaluationWorker(options: EvaluationWorkerOptions): Promise<EvaluationWorker> {
  const { settings } = options;
  const logger = (options.logger ?? createLogger("evaluation-worker")).child({ worker: settings.name });
  await initBackend({ ...(settings.backend ? { force: settings.backend } : {}), log: null });
  const checkpoints = new CheckpointLru(settings.checkpointsKept, (target) => loadTarget(target, options));
  let evaluated = 0;
  const connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
  connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));

  const evaluate = async (job: Job<EvaluationJobData, EvaluationJobResult>): Promise<EvaluationJobResult> => {
    const { target, arch, archId } = job.data;
    if (archHash(arch) !== archId) throw new UnrecoverableError(`architecture's hash is not ${archId}`);
    const { evaluator } = await checkpoints.get(target);
    const accuracy = await evaluator.accuracy(arch);
    const { macs, params } = countArch(arch);
    evaluated++;
    return { archId, accuracy, macs, params };
  };
  const worker = new Worker<EvaluationJobData, EvaluationJobResult>(EVALUATION_QUEUE, evaluate, {
    connection,
    prefix: settings.queuePrefix,
    name: settings.name,
    // One at a time: tfjs already spreads one evaluation over the machine's cores.
    concurrency: 1,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
  });
  worker.on("error", (err) => logger.error({ err }, "evaluation worker error"));
  worker.on("failed", (job, err) => logger.warn({ jobId: job?.id, err: err.message }, "evaluation failed"));
  await worker.waitUntilReady();
  return {
    worker,
    checkpoints,
    evaluated: () => evaluated,
    async close() {
      await worker.close();
      checkpoints.clear();
      await connection.quit().catch(() => undefined);
    },
  };
}

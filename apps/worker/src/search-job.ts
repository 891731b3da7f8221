// The BullMQ processor of one search: loads it from Postgres, trains it in a child process, carries its progress to
// Postgres, BullMQ and Redis (progress-recorder.ts), and ends as one of the outcomes of search-outcome.ts.

import {
  type ArtifactStore,
  cachedUpload,
  DEFAULT_DATASET_CACHE,
  type StoredArtifact,
  searchKey,
} from "@vitnas/artifacts";
import type { SearchStatus } from "@vitnas/db";
import type { FanoutMode, ReusableSupernet, SearchResult } from "@vitnas/pipeline";
import {
  datasetRootIssues,
  type LiveSearchEvent,
  type LiveSearchEventBody,
  publishSearchEvent,
  type SearchJobData,
} from "@vitnas/queue";
import type { SelfTestResult } from "@vitnas/supernet";
import { DelayedError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "./logger";
import type { WorkerMetrics } from "./metrics";
import { ProgressRecorder } from "./progress-recorder";
import { outcomeOf, type SearchOutcome, settle, stopReasonOf } from "./search-outcome";
import { type SearchProcess, startSearchProcess } from "./search-process";
import { describeExit } from "./search-process-exit";
import { resultRestartingOnDeath } from "./search-process-restarts";
import { type SearchRecords, TeamRunningLimitReached } from "./search-records";
import { SupernetUnavailableError, supernetsToOffer } from "./supernet-offer";

export interface SearchJobContext {
  records: SearchRecords;
  store: ArtifactStore;
  /** Publishing connection (not a subscriber). */
  redis: Redis;
  prefix: string;
  logger: Logger;
  metrics: WorkerMetrics;
  selfTest: SelfTestResult;
  worker: string;
  runnerModule: string;
  backend?: string;
  /** Restarts of a training process that died (SEARCH_CHILD_RETRIES) before the search is failed. */
  childRetries: number;
  /** Where uploaded datasets are unpacked (default: DATASET_CACHE_DIR's default). */
  datasetCacheDir?: string;
  /** Where datasets may be read from (see dataset-roots.ts). */
  datasetRoots: readonly string[];
  /** MAX_RUNNING_SEARCHES_PER_TEAM: the default of a team's running limit. */
  maxRunningPerTeam?: number;
  /** How long a search held back by its team's running limit waits before it is tried again. */
  teamLimitRetryMs: number;
  /** EVAL_FANOUT and the Redis its evaluation queue is on (docs/deployment.md, "Evaluation fan-out"). */
  fanout?: { mode: FanoutMode; redisUrl: string };
}

/**
 * Classifies an output file by the pipeline's layout: `architectures/<archHash>/...` are export bundles (weights
 * inherited from the super-network), `trained/<archHash>/...` the final phase's standalone models,
 * `baselines/<name>/...` the baselines' trained models (the architecture from `baselineIds`, bundle -> hash: a
 * baseline's directory is named after the baseline, not its architecture), `pareto.json` the front, `report.md` and
 * `pareto.svg` the report and its chart, `baselines.json` the baselines' figures.
 */
export function artifactKind(
  searchId: string,
  artifact: StoredArtifact,
  baselineIds: ReadonlyMap<string, string> = new Map(),
): { kind: string; archHash?: string } {
  const parts = artifact.key.slice(`searches/${searchId}/out/`.length).split("/");
  if (parts.length >= 3 && parts[0] === "architectures") return { kind: "bundle", archHash: parts[1]! };
  if (parts.length >= 3 && parts[0] === "trained") return { kind: "trained", archHash: parts[1]! };
  if (parts.length >= 3 && parts[0] === "baselines") {
    const archHash = baselineIds.get(`baselines/${parts[1]}`);
    return archHash ? { kind: "baseline", archHash } : { kind: "baseline" };
  }
  if (parts.length === 1) {
    const kind = TOP_LEVEL_KINDS[parts[0]!];
    if (kind) return { kind };
  }
  return { kind: "file" };
}

const TOP_LEVEL_KINDS: Record<string, string> = {
  "pareto.json": "pareto",
  "report.md": "report",
  "pareto.svg": "report-chart",
  "baselines.json": "baselines",
};

/**
 * BullMQ's processor of a search job. `signal` is the job's own abort signal: the worker cancels the job
 * (`worker.cancelJob`) with a StopReason when the search is cancelled, the worker shuts down or the job's lock is
 * lost, and the search checkpoints and stops.
 */
export async function processSearchJob(
  job: Job<SearchJobData>,
  token: string | undefined,
  ctx: SearchJobContext,
  signal?: AbortSignal,
): Promise<void> {
  const { searchId } = job.data;
  const log = ctx.logger.child({ searchId, jobId: job.id });
  const search = await ctx.records.load(searchId);
  if (!search) {
    log.warn("search not found in the database; dropping its job");
    return;
  }
  if (search.status !== "queued" && search.status !== "running") {
    log.info({ status: search.status }, "search already finished; nothing to run");
    return;
  }
  const live = (event: LiveSearchEventBody) =>
    publishSearchEvent(ctx.redis, ctx.prefix, {
      ...event,
      searchId,
      at: new Date().toISOString(),
    } as LiveSearchEvent).catch((err: Error) => log.warn({ err }, "could not publish a live event"));
  const status = (value: SearchStatus, error?: string) => live({ type: "status", status: value, error });
  const finish = (outcome: SearchOutcome, error?: string) =>
    settle(
      outcome,
      {
        searchId,
        records: ctx.records,
        announce: status,
        count: (label) => ctx.metrics.searchesFinished.inc({ worker: ctx.worker, outcome: label }),
        requeue: () => job.moveToWait(token!).then(() => undefined),
      },
      error,
    );

  let started: boolean;
  try {
    const run = { worker: ctx.worker, selfTest: ctx.selfTest, maxRunning: ctx.maxRunningPerTeam };
    started = await ctx.records.markRunning(searchId, run);
  } catch (err) {
    if (!(err instanceof TeamRunningLimitReached) || !token) throw err;
    // Back to the queue with its priority kept: its team's other searches hold their places on the workers, and the
    // other teams' searches go by meanwhile (docs/deployment.md, "Fairness between teams").
    log.info({ running: err.running, max: err.max }, `search held back: ${err.message}`);
    await job.moveToDelayed(Date.now() + ctx.teamLimitRetryMs, token);
    throw new DelayedError();
  }
  if (!started) {
    log.info("search was cancelled or finished before it started; nothing to run");
    return;
  }
  await status("running");
  // Checked again here, on the filesystem the data is read from: the API may not see it, and a resumed search was
  // judged under the roots of its submission.
  const refused = await datasetRootIssues(search.job.dataset, ctx.datasetRoots);
  if (refused.length > 0) {
    const error = refused.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
    log.warn({ error }, "search refused: its dataset is outside DATASET_ROOTS");
    await finish("failed", error);
  }
  let reuse: ReusableSupernet[] | undefined;
  try {
    reuse = await supernetsToOffer(ctx.records, ctx.store, search);
    if (search.job.supernet.from !== undefined) await ctx.records.markReused(searchId, reuse![0]!.id);
  } catch (err) {
    if (!(err instanceof SupernetUnavailableError)) throw err;
    log.warn({ error: err.message }, "search refused: the super-network it names is gone");
    await finish("failed", err.message);
  }
  const workDir = await ctx.store.workDir(searchId);
  const outDir = await ctx.store.outDir(searchId);
  // An uploaded dataset is read from this worker's cache, fetched from the store by its digest the first time.
  const datasetCache = ctx.datasetCacheDir ?? DEFAULT_DATASET_CACHE;
  const { dataset } = search.job;
  if (dataset.kind === "uploaded" && dataset.sha256) {
    try {
      await cachedUpload(ctx.store, datasetCache, dataset.sha256);
    } catch (err) {
      const error = `dataset.id: uploaded dataset ${dataset.id} cannot be read: ${(err as Error).message}`;
      log.warn({ error }, "search refused: its uploaded dataset cannot be read");
      await finish("failed", error);
    }
  }
  log.info({ workDir, backend: ctx.selfTest.backend, attempt: job.attemptsStarted }, "search started");

  const recorder = new ProgressRecorder(searchId, {
    records: ctx.records,
    publish: (progress) => void live({ type: "progress", progress }),
    jobProgress: (progress) => void job.updateProgress(progress).catch(() => undefined),
    throughput: (imagesPerSec) => ctx.metrics.recordThroughput(searchId, imagesPerSec),
    evaluated: (count) => ctx.metrics.candidatesEvaluated.inc({ worker: ctx.worker }, count),
    logger: log,
  });

  const startChild = () =>
    startSearchProcess(
      {
        job: search.job,
        workDir,
        outDir,
        datasetCache,
        backend: ctx.backend,
        runnerModule: ctx.runnerModule,
        ...(reuse ? { reuse } : {}),
        ...(ctx.fanout && ctx.fanout.mode !== "off" ? { fanout: { ...ctx.fanout, searchId, prefix: ctx.prefix } } : {}),
      },
      {
        onProgress: (event) => recorder.progress(event),
        onCandidate: (candidate) => recorder.candidate(candidate),
        // Durable in the store before it is recorded: another worker's search may load it next.
        onSupernet: (trained) =>
          recorder.write("super-network", async () => {
            await ctx.store.saveWorkDir(searchId);
            await ctx.records.recordSupernet(search, trained, searchKey(searchId, "work", "supernet"));
          }),
      },
    );
  let child: SearchProcess = startChild();
  const stop = () => {
    log.info({ reason: signal?.reason }, "stopping search");
    child.abort(String(signal?.reason));
  };
  // Cancelled before the process started (while the search was being loaded): it stops at once.
  if (signal?.aborted) stop();
  else signal?.addEventListener("abort", stop, { once: true });
  ctx.metrics.searchesRunning.inc({ worker: ctx.worker });

  // A store whose work directory is a local copy (a bucket) gets the checkpoints now and then, so a worker killed
  // outright loses at most that interval besides the checkpoint interval (docs/deployment.md, "Artifact store").
  let saving: Promise<void> | undefined;
  const saveWork = () => {
    saving ??= ctx.store
      .saveWorkDir(searchId)
      .catch((err: Error) => log.warn({ err }, "could not save the work directory to the artifact store"))
      .finally(() => {
        saving = undefined;
      });
    return saving;
  };
  const saver = ctx.store.saveEveryMs ? setInterval(saveWork, ctx.store.saveEveryMs) : undefined;

  let result: SearchResult | undefined;
  let failure: Error | undefined;
  try {
    result = await resultRestartingOnDeath(child, startChild, {
      retries: ctx.childRetries,
      stopping: () => signal?.aborted === true,
      onRestart(next, exit, retry) {
        child = next;
        const message =
          `search process died: ${describeExit(exit)}; restarted from the last checkpoint ` +
          `(retry ${retry} of ${ctx.childRetries})`;
        log.warn({ signal: exit.signal, code: exit.code, memory: exit.memory }, message);
        ctx.metrics.processRestarts.inc({ worker: ctx.worker });
        recorder.restarted(message);
      },
    });
  } catch (err) {
    failure = err as Error;
  } finally {
    signal?.removeEventListener("abort", stop);
    clearInterval(saver);
    // What a stopped, failed or cancelled search checkpointed is what a resume, on any worker, starts from.
    if (saver) {
      await saving;
      await saveWork();
    }
    ctx.metrics.searchesRunning.dec({ worker: ctx.worker });
    ctx.metrics.recordThroughput(searchId, undefined);
    await recorder.flush();
  }

  if (result) await recordResult(ctx, searchId, result, recorder.frontsWritten > 0, search.job.search.generations);
  const stopReason = stopReasonOf(signal);
  const outcome = outcomeOf({ succeeded: result !== undefined, stopReason, canRequeue: token !== undefined });
  const error = failure?.message;
  if (outcome === "failed") log.error({ err: failure }, "search failed; checkpoints kept for a resume");
  if (outcome === "lock-lost") log.warn("lost the job's lock; stopped without recording an outcome");
  if (outcome === "requeued") log.info("search checkpointed and put back in the queue");
  const changed = await finish(outcome, error);
  if (outcome === "succeeded" && !changed) {
    log.info("search finished after it was cancelled; it stays cancelled, its results are kept");
  } else if (outcome === "succeeded") {
    log.info({ front: result!.front.length, candidates: result!.candidatesEvaluated }, "search succeeded");
  } else if (outcome === "cancelled") {
    log.info("search cancelled; checkpoints kept");
  }
}

async function recordResult(
  ctx: SearchJobContext,
  searchId: string,
  result: SearchResult,
  frontRecorded: boolean,
  generations: number,
): Promise<void> {
  // The final front's members must be candidates. A run resumed after a crash re-reports only what it evaluates
  // itself, so members reported by the crashed run but not yet written would be missing; upserting them again is a
  // no-op for those that exist (the first generation that saw an architecture is kept).
  // A search that took a super-network of its own accord (`supernet.reuse: "auto"`) notes which.
  if (result.reusedSupernet) await ctx.records.markReused(searchId, result.reusedSupernet);
  await ctx.records.upsertCandidates(
    searchId,
    result.front.map((point) => ({ ...point, generation: generations })),
  );
  if (!frontRecorded) await ctx.records.setFront(searchId, generations, result.front, undefined);
  await ctx.records.recordLatency(searchId, result.front);
  await ctx.store.saveWorkDir(searchId);
  const trained = new Set(result.final.map((f) => f.id));
  const baselineIds = new Map(result.baselines.map((b) => [b.bundle, b.id]));
  const artifacts = (await ctx.store.publishOutputs(searchId))
    .map((artifact) => ({ ...artifact, ...artifactKind(searchId, artifact, baselineIds) }))
    // The output directory keeps trained bundles across runs (see artifact-store.ts): only this result's count.
    .filter((artifact) => artifact.kind !== "trained" || trained.has(artifact.archHash!))
    .filter((artifact) => artifact.kind !== "baseline" || artifact.archHash !== undefined);
  await ctx.records.recordArtifacts(searchId, artifacts);
  // After their bundles: an architecture listed as trained can be downloaded as such.
  await ctx.records.recordFinal(searchId, result.final);
  // A baseline is no candidate: its document comes from its bundle, the one the API serves.
  const baselines = [];
  for (const baseline of result.baselines) {
    const arch = JSON.parse(await readStored(ctx.store, searchKey(searchId, "out", baseline.bundle, "arch.json")));
    baselines.push({ ...baseline, arch });
  }
  await ctx.records.recordBaselines(searchId, baselines);
}

async function readStored(store: ArtifactStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.open(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

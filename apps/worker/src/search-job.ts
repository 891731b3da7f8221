// The BullMQ processor of one search: loads it from Postgres, trains it in a child process, and carries its progress
// to Postgres (snapshot, events, metrics, candidates, fronts), to BullMQ (job progress) and to Redis (live events).

import {
  type ArtifactStore,
  cachedUpload,
  DEFAULT_DATASET_CACHE,
  type StoredArtifact,
  searchKey,
} from "@vitnas/artifacts";
import type { SearchStatus } from "@vitnas/db";
import type {
  CandidateRecord,
  FanoutMode,
  FrontPoint,
  ProgressEvent,
  ReusableSupernet,
  SearchResult,
} from "@vitnas/pipeline";
import {
  datasetRootIssues,
  type LiveSearchEvent,
  type LiveSearchEventBody,
  publishSearchEvent,
  type SearchJobData,
} from "@vitnas/queue";
import type { SelfTestResult } from "@vitnas/supernet";
import { DelayedError, type Job, UnrecoverableError, WaitingError } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "./logger";
import type { WorkerMetrics } from "./metrics";
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
  cancelPollMs: number;
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
  /** Searches running in this process, so cancellation and shutdown can reach them. */
  running: Map<string, RunningSearch>;
  /** EVAL_FANOUT and the Redis its evaluation queue is on (docs/deployment.md, "Evaluation fan-out"). */
  fanout?: { mode: FanoutMode; redisUrl: string };
}

/** Why a running search is being stopped. */
export type StopReason = "cancelled" | "shutdown" | "lock-lost";

export interface RunningSearch {
  stop(reason: StopReason): void;
}

/** How often progress is written to Postgres (snapshot, event, training metric) and published live, at most; phase
 * changes, new messages and fronts always go through. */
const SNAPSHOT_EVERY_MS = 1000;
const LIVE_EVERY_MS = 250;

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

/** Serialises database writes of one search so they land in order, and keeps going after a failed one. */
class WriteChain {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly logger: Logger) {}
  push(what: string, write: () => Promise<void>): void {
    this.tail = this.tail.then(write).catch((err: Error) => this.logger.error({ err }, `could not record ${what}`));
  }
  drain(): Promise<void> {
    return this.tail;
  }
}

export async function processSearchJob(
  job: Job<SearchJobData>,
  token: string | undefined,
  ctx: SearchJobContext,
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
    if (await ctx.records.finish(searchId, { status: "failed", error })) await status("failed", error);
    ctx.metrics.searchesFinished.inc({ worker: ctx.worker, outcome: "failed" });
    log.warn({ error }, "search refused: its dataset is outside DATASET_ROOTS");
    throw new UnrecoverableError(error);
  }
  let reuse: ReusableSupernet[] | undefined;
  try {
    reuse = await supernetsToOffer(ctx.records, ctx.store, search);
    if (search.job.supernet.from !== undefined) await ctx.records.markReused(searchId, reuse![0]!.id);
  } catch (err) {
    if (!(err instanceof SupernetUnavailableError)) throw err;
    if (await ctx.records.finish(searchId, { status: "failed", error: err.message }))
      await status("failed", err.message);
    ctx.metrics.searchesFinished.inc({ worker: ctx.worker, outcome: "failed" });
    log.warn({ error: err.message }, "search refused: the super-network it names is gone");
    throw new UnrecoverableError(err.message);
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
      if (await ctx.records.finish(searchId, { status: "failed", error })) await status("failed", error);
      ctx.metrics.searchesFinished.inc({ worker: ctx.worker, outcome: "failed" });
      log.warn({ error }, "search refused: its uploaded dataset cannot be read");
      throw new UnrecoverableError(error);
    }
  }
  log.info({ workDir, backend: ctx.selfTest.backend, attempt: job.attemptsStarted }, "search started");

  const writes = new WriteChain(log);
  let candidates: CandidateRecord[] = [];
  let lastPhase: string | undefined;
  let lastMessage: string | undefined;
  let lastSnapshot = 0;
  let lastLive = 0;
  // The front of the generation in progress: the search reports it after every evaluation; it is written when the
  // generation ends (the next one starts), now and then meanwhile, and at the end.
  let front: { generation: number; points: FrontPoint[]; hypervolume: number | undefined } | undefined;
  let frontDirty = false;
  let lastFrontWrite = 0;
  let frontsWritten = 0;
  let evaluated: number | undefined;
  let unsaved: ProgressEvent | undefined;
  let lastEvent: ProgressEvent | undefined;
  const flushCandidates = () => {
    if (candidates.length === 0) return;
    const batch = candidates;
    candidates = [];
    writes.push("candidates", () => ctx.records.upsertCandidates(searchId, batch));
  };

  const writeFront = () => {
    if (!front || !frontDirty) return;
    const { generation, points, hypervolume } = front;
    frontDirty = false;
    lastFrontWrite = Date.now();
    frontsWritten++;
    // Members must be candidates before the front names them.
    flushCandidates();
    writes.push("front", () => ctx.records.setFront(searchId, generation, points, hypervolume));
  };

  const onProgress = (event: ProgressEvent) => {
    lastEvent = event;
    const now = Date.now();
    const phaseChanged = event.phase !== lastPhase;
    lastPhase = event.phase;
    if (event.phase === "supernet" && event.imagesPerSec !== undefined) {
      ctx.metrics.recordThroughput(searchId, event.imagesPerSec);
    } else if (phaseChanged) {
      ctx.metrics.recordThroughput(searchId, undefined);
    }
    if (event.candidatesEvaluated !== undefined) {
      // The count restarts from the checkpoint on a resume; only growth is new work.
      if (evaluated !== undefined && event.candidatesEvaluated > evaluated) {
        ctx.metrics.candidatesEvaluated.inc({ worker: ctx.worker }, event.candidatesEvaluated - evaluated);
      }
      evaluated = event.candidatesEvaluated;
    }
    let generationEnded = false;
    if (event.front !== undefined) {
      // The final report (phase "done") carries the front without a generation: it is the last generation's.
      const generation = event.generation ?? front?.generation ?? search.job.search.generations;
      if (front && generation !== front.generation) {
        writeFront();
        generationEnded = true;
      }
      front = { generation, points: event.front, hypervolume: event.hypervolume };
      frontDirty = true;
      if (generationEnded || now - lastFrontWrite >= SNAPSHOT_EVERY_MS) writeFront();
    }
    // A new message goes through at once; a repeated one does not: the final phase names the model it trains on
    // every step, and those steps are throttled like the super-network's.
    const messageChanged = event.message !== undefined && event.message !== lastMessage;
    if (event.message !== undefined) lastMessage = event.message;
    const important = phaseChanged || generationEnded || messageChanged;
    // A phase's last event is written before the next phase starts, even inside the throttle window, so a short
    // training phase still leaves its final loss and images/s in the metrics history.
    if (phaseChanged && unsaved) {
      const last = unsaved;
      writes.push("progress", () => ctx.records.saveProgress(searchId, last));
    }
    unsaved = event;
    if (important || now - lastSnapshot >= SNAPSHOT_EVERY_MS) {
      lastSnapshot = now;
      unsaved = undefined;
      writes.push("progress", () => ctx.records.saveProgress(searchId, event));
      void job.updateProgress({ phase: event.phase, percent: event.percent }).catch(() => undefined);
    }
    if (important || now - lastLive >= LIVE_EVERY_MS) {
      lastLive = now;
      void live({ type: "progress", progress: event });
    }
  };

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
        onProgress,
        onCandidate: (candidate) => candidates.push(candidate),
        // Durable in the store before it is recorded: another worker's search may load it next.
        onSupernet: (trained) =>
          writes.push("super-network", async () => {
            await ctx.store.saveWorkDir(searchId);
            await ctx.records.recordSupernet(search, trained, searchKey(searchId, "work", "supernet"));
          }),
      },
    );
  let child: SearchProcess = startChild();
  let stopReason: StopReason | undefined;
  const stop = (reason: StopReason) => {
    if (stopReason) return;
    stopReason = reason;
    log.info({ reason }, "stopping search");
    child.abort(reason);
  };
  ctx.running.set(searchId, { stop });
  ctx.metrics.searchesRunning.inc({ worker: ctx.worker });
  // Pub/sub delivers cancellations at once; this catches one published while the worker was not subscribed.
  const poll = setInterval(() => {
    ctx.records.status(searchId).then(
      (value) => value === "cancelled" && stop("cancelled"),
      (err: Error) => log.warn({ err }, "could not read the search's status"),
    );
  }, ctx.cancelPollMs);

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
      stopping: () => stopReason !== undefined,
      onRestart(next, exit, retry) {
        child = next;
        const message =
          `search process died: ${describeExit(exit)}; restarted from the last checkpoint ` +
          `(retry ${retry} of ${ctx.childRetries})`;
        log.warn({ signal: exit.signal, code: exit.code, memory: exit.memory }, message);
        ctx.metrics.processRestarts.inc({ worker: ctx.worker });
        // What the dead process reported is stored before its successor reports again.
        writeFront();
        flushCandidates();
        const { front: _front, ...last } = lastEvent ?? { phase: "dataset", percent: 0 };
        const snapshot: ProgressEvent = { ...last, message };
        writes.push("progress", () => ctx.records.saveProgress(searchId, snapshot));
        void live({ type: "progress", progress: snapshot });
      },
    });
  } catch (err) {
    failure = err as Error;
  } finally {
    clearInterval(poll);
    clearInterval(saver);
    // What a stopped, failed or cancelled search checkpointed is what a resume, on any worker, starts from.
    if (saver) {
      await saving;
      await saveWork();
    }
    ctx.running.delete(searchId);
    ctx.metrics.searchesRunning.dec({ worker: ctx.worker });
    ctx.metrics.recordThroughput(searchId, undefined);
    writeFront();
    flushCandidates();
    await writes.drain();
  }

  if (result) {
    await recordResult(ctx, searchId, result, frontsWritten > 0, search.job.search.generations);
    if (!(await ctx.records.finish(searchId, { status: "succeeded" }))) {
      log.info("search finished after it was cancelled; it stays cancelled, its results are kept");
      return;
    }
    await status("succeeded");
    ctx.metrics.searchesFinished.inc({ worker: ctx.worker, outcome: "succeeded" });
    log.info({ front: result.front.length, candidates: result.candidatesEvaluated }, "search succeeded");
    return;
  }
  const error = failure!;
  const aborted = error.name === "AbortError" || stopReason !== undefined;
  if (aborted && stopReason === "cancelled") {
    await ctx.records.finish(searchId, { status: "cancelled" });
    await status("cancelled");
    ctx.metrics.searchesFinished.inc({ worker: ctx.worker, outcome: "cancelled" });
    log.info("search cancelled; checkpoints kept");
    return;
  }
  if (aborted && stopReason === "shutdown" && token) {
    await ctx.records.markRequeued(searchId, "worker shut down");
    await status("queued");
    await job.moveToWait(token);
    ctx.metrics.searchesFinished.inc({ worker: ctx.worker, outcome: "requeued" });
    log.info("search checkpointed and put back in the queue");
    throw new WaitingError();
  }
  if (aborted && stopReason === "lock-lost") {
    // Another worker has taken the job up (or will); its status and results are its business now.
    log.warn("lost the job's lock; stopped without recording an outcome");
    throw new Error(`search ${searchId}: the job's lock was lost`);
  }
  if (await ctx.records.finish(searchId, { status: "failed", error: error.message })) {
    await status("failed", error.message);
  }
  ctx.metrics.searchesFinished.inc({ worker: ctx.worker, outcome: "failed" });
  log.error({ err: error }, "search failed; checkpoints kept for a resume");
  // Recorded as failed: BullMQ must not run it again on its own.
  throw new UnrecoverableError(error.message);
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

// Entry point of the child process that trains one search, so the worker's event loop stays free to renew the
// job's lock and talk to Postgres and Redis while tfjs keeps this process busy.

import type { NasSearch } from "@vitnas/formats";
import type { Fanout, RunSearchOptions, SearchResult } from "@vitnas/pipeline";
import type { FlowEvaluator } from "@vitnas/queue";
import type { SelfTestResult } from "@vitnas/supernet";
import type { ChildMessage, FanoutStart, ParentMessage, SelfTestMessage, StartMessage } from "./search-child-protocol";

type RunSearch = (job: NasSearch, options: RunSearchOptions) => Promise<SearchResult>;

const controller = new AbortController();
/** Time left to checkpoint after the worker disappeared, before this process gives up and exits. */
const ORPHAN_GRACE_MS = 20_000;
/** How often the process reports its memory, so a kill for memory can be failed with the figure. */
const MEMORY_REPORT_MS = 1000;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

function reportMemory(): void {
  // maxRSS is in kibibytes.
  void send({ type: "memory", rss: process.memoryUsage.rss(), peakRss: process.resourceUsage().maxRSS * 1024 });
}

let fanout: (Fanout & { evaluator: FlowEvaluator }) | undefined;

/** The evaluation queue this search's generations go to (docs/deployment.md, "Evaluation fan-out"). */
async function openFanout(start: FanoutStart): Promise<Fanout & { evaluator: FlowEvaluator }> {
  const { createFlowEvaluator } = await import("@vitnas/queue");
  const { Redis } = await import("ioredis");
  const connection = new Redis(start.redisUrl, { maxRetriesPerRequest: null });
  const flows = createFlowEvaluator(connection, { prefix: start.prefix });
  const evaluator: FlowEvaluator = {
    ...flows,
    async close() {
      await flows.close();
      await connection.quit();
    },
  };
  return { mode: start.mode, searchId: start.searchId, evaluator };
}

async function run(start: StartMessage): Promise<void> {
  reportMemory();
  setInterval(reportMemory, MEMORY_REPORT_MS).unref();
  try {
    const mod = (await import(start.runnerModule)) as { runSearch?: RunSearch };
    if (typeof mod.runSearch !== "function") throw new Error(`${start.runnerModule} does not export runSearch`);
    // Trainings that load the dataset themselves (the final phase's) look for uploads where this variable says.
    if (start.datasetCache) process.env.DATASET_CACHE_DIR = start.datasetCache;
    fanout = start.fanout && (await openFanout(start.fanout));
    const result = await mod.runSearch(start.job, {
      ...(fanout ? { fanout } : {}),
      ...(start.datasetCache ? { datasetCache: start.datasetCache } : {}),
      workDir: start.workDir,
      outDir: start.outDir,
      signal: controller.signal,
      backend: start.backend,
      ...(start.reuse ? { reuse: start.reuse } : {}),
      onSupernet: (supernet) => void send({ type: "supernet", supernet }),
      onProgress: (event) => void send({ type: "progress", event }),
      onCandidate: (candidate) => void send({ type: "candidate", candidate }),
    });
    await send({ type: "done", result });
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    await send({ type: "failed", name: error.name, message: error.message, stack: error.stack });
  }
  await fanout?.evaluator.close().catch(() => undefined);
  if (process.connected) process.disconnect();
  process.exit(0);
}

interface SupernetHealth {
  initBackend: (options?: { force?: string; log?: null }) => Promise<unknown>;
  selfTest: () => Promise<SelfTestResult>;
}

async function selfTest(request: SelfTestMessage): Promise<void> {
  const started = performance.now();
  let result: SelfTestResult;
  try {
    const mod = (await import(request.module)) as Partial<SupernetHealth>;
    if (typeof mod.initBackend !== "function" || typeof mod.selfTest !== "function") {
      throw new Error(`${request.module} does not export initBackend and selfTest`);
    }
    await mod.initBackend({ ...(request.backend ? { force: request.backend } : {}), log: null });
    result = await mod.selfTest();
  } catch (err) {
    const ms = performance.now() - started;
    result = {
      backend: request.backend ?? "unknown",
      device: "unknown",
      ms,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
    };
  }
  await send({ type: "self-test", result });
  if (process.connected) process.disconnect();
  process.exit(0);
}

process.on("message", (message: ParentMessage) => {
  if (message.type === "start") void run(message);
  else if (message.type === "self-test") void selfTest(message);
  else if (message.type === "abort") controller.abort(new Error(message.reason));
});

// Ctrl-C in a terminal and some supervisors signal the whole process group. The worker decides what a signal means
// (checkpoint and requeue) and tells this process over IPC; dying here on the spot would lose the step in flight.
process.on("SIGINT", () => undefined);
process.on("SIGTERM", () => undefined);

// The worker was killed: checkpoint (abort does) and go, so the next worker to take the job up is not racing a
// leftover trainer on the same work directory.
process.on("disconnect", () => {
  controller.abort(new Error("worker process exited"));
  setTimeout(() => process.exit(1), ORPHAN_GRACE_MS).unref();
});

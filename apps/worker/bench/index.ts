// Worker benchmarks: why searches train in a child process (the worker's event loop, which renews BullMQ locks and
// writes progress, stays responsive), what that costs, and how fast a queued search is picked up.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { runSearch } from "@vitnas/pipeline";
import { createSearchQueue, enqueueSearch, SEARCH_QUEUE } from "@vitnas/queue";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import type { BenchSection } from "../../../bench/run";
import { tinyJob } from "../../../tests/fixtures/tiny-job";
import { startSearchProcess } from "../src/search-process";

/** Runs `search` while sampling the event loop; returns the worst delay and the wall time. */
async function measure(search: (workDir: string) => Promise<unknown>) {
  const workDir = await mkdtemp(join(tmpdir(), "worker-bench-"));
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const started = performance.now();
  try {
    await search(workDir);
    return {
      maxDelayMs: histogram.max / 1e6,
      p99DelayMs: histogram.percentile(99) / 1e6,
      wallMs: performance.now() - started,
    };
  } finally {
    histogram.disable();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function eventLoop(): Promise<BenchSection> {
  const job = tinyJob();
  const backend = process.env.NAS_BACKEND || "wasm";
  const inProcess = await measure((workDir) => runSearch(job, { workDir, backend }));
  const child = await measure(
    (workDir) =>
      startSearchProcess(
        { job, workDir, outDir: join(workDir, "out"), backend, runnerModule: "@vitnas/pipeline" },
        { onProgress: () => {}, onCandidate: () => {} },
      ).done,
  );
  return {
    name: "worker: search in a child process vs in the worker process (tests/fixtures/tiny-search.json)",
    figures: {
      backend,
      "event loop max delay, in process (ms)": Math.round(inProcess.maxDelayMs),
      "event loop max delay, child process (ms)": Math.round(child.maxDelayMs),
      "event loop p99 delay, in process (ms)": Math.round(inProcess.p99DelayMs),
      "event loop p99 delay, child process (ms)": Math.round(child.p99DelayMs),
      "max delay ratio in process / child": Number((inProcess.maxDelayMs / child.maxDelayMs).toFixed(1)),
      "wall time, in process (s)": Number((inProcess.wallMs / 1000).toFixed(1)),
      // Process start-up and module loading: a fixed cost per search, large only next to a search this tiny.
      "wall time, child process (s)": Number((child.wallMs / 1000).toFixed(1)),
    },
  };
}

async function pickup(): Promise<BenchSection> {
  const redis = new Redis(process.env.REDIS_URL || "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
  const prefix = `bench-${randomUUID()}`;
  const queue = createSearchQueue(redis, { prefix });
  const latencies: number[] = [];
  let resolveNext: (() => void) | undefined;
  const queuedAt = new Map<string, number>();
  const worker = new Worker(
    SEARCH_QUEUE,
    async (job) => {
      latencies.push(performance.now() - queuedAt.get(job.data.searchId)!);
      resolveNext?.();
    },
    { connection: redis.duplicate(), prefix },
  );
  try {
    await worker.waitUntilReady();
    for (let i = 0; i < 30; i++) {
      const id = randomUUID();
      const picked = new Promise<void>((resolve) => {
        resolveNext = resolve;
      });
      queuedAt.set(id, performance.now());
      await enqueueSearch(queue, id);
      await picked;
    }
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  }
  latencies.sort((a, b) => a - b);
  return {
    name: "worker: queue pick-up (enqueueSearch to processor start, idle worker, local Redis)",
    figures: {
      "median (ms)": Number(latencies[Math.floor(latencies.length / 2)]!.toFixed(1)),
      "max (ms)": Number(latencies.at(-1)!.toFixed(1)),
      jobs: latencies.length,
    },
  };
}

export async function bench(): Promise<BenchSection[]> {
  return [await pickup(), await eventLoop()];
}

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  enqueueSearch,
  type LiveSearchEvent,
  queueDepth,
  requestCancel,
  SEARCH_QUEUE,
  searchEventsChannel,
} from "@vitnas/queue";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { metricsPort } from "../src/metrics";
import { SelfTestFailedError } from "../src/search-worker";
import { createHarness, type Harness, tinyJob, waitFor } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  delete process.env.COUNTING_RUNNER_STEP_MS;
  delete process.env.COUNTING_RUNNER_FAIL_AT;
});

const statusOf = async (id: string) => (await h.db.searches.get(id))?.status;
const checkpointStep = async (id: string) =>
  readFile(join(h.store.root, "searches", id, "work", "count.json"), "utf8").then(
    (text) => JSON.parse(text).step as number,
    () => 0,
  );
const starts = async (id: string) =>
  (await readFile(join(h.store.root, "searches", id, "work", "starts.log"), "utf8")).trim().split("\n").map(Number);

describe("search worker", () => {
  it("runs a search to success, recording progress, candidates, fronts, artifacts and metrics", async () => {
    const worker = await h.startWorker({ metricsPort: 0 });
    const listener = new Redis(process.env.REDIS_URL || "redis://127.0.0.1:6379");
    const live: LiveSearchEvent[] = [];
    listener.on("message", (_channel, raw) => live.push(JSON.parse(raw)));
    try {
      const { search } = await h.db.searches.create({ teamId: h.teamId, job: tinyJob() });
      await listener.subscribe(searchEventsChannel(h.prefix, search.id));
      await enqueueSearch(h.queue, search.id);
      await waitFor("success", async () => (await statusOf(search.id)) === "succeeded");

      const record = (await h.db.searches.get(search.id))!;
      expect(record.backend).toBe("counting");
      expect(record.startedAt).not.toBeNull();
      expect(record.finishedAt).not.toBeNull();
      expect(await h.db.candidates.count(search.id)).toBe(6);
      const fronts = await h.db.fronts.list(search.id);
      expect(fronts.map((f) => [f.generation, f.points.length, f.hypervolume])).toEqual([
        [0, 3, 0.5],
        [1, 6, 1.5],
      ]);
      // Each front architecture's measured latency, fastest first.
      const latencies = await h.db.frontLatencies.list(search.id);
      expect(latencies.map((l) => [l.medianMs, l.p90Ms, l.threads, l.runs, l.cpu])).toEqual(
        [1, 2, 3, 4, 5, 6].map((ms) => [ms, ms + 0.5, 1, 50, "counting CPU"]),
      );
      const artifacts = await h.db.artifacts.list(search.id);
      // Six bundles, pareto.json, report.md and pareto.svg.
      expect(artifacts).toHaveLength(9);
      expect(artifacts.filter((a) => a.kind === "report" || a.kind === "report-chart").map((a) => a.path)).toEqual([
        `searches/${search.id}/out/pareto.svg`,
        `searches/${search.id}/out/report.md`,
      ]);
      const pareto = artifacts.find((a) => a.path.endsWith("/out/pareto.json"))!;
      expect(pareto).toMatchObject({ kind: "pareto", archHash: null });
      expect(pareto.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(artifacts.filter((a) => a.kind === "bundle").map((a) => a.archHash)).toHaveLength(6);
      const events = await h.db.progress.eventsAfter(search.id, null, 1000);
      expect(events.some((e) => String(e.data.message).includes("self-test"))).toBe(true);
      expect(events.at(-1)?.phase).toBe("done");

      await waitFor("live success event", async () =>
        live.some((e) => e.type === "status" && e.status === "succeeded"),
      );
      expect(live.some((e) => e.type === "progress" && e.progress.phase === "supernet")).toBe(true);

      const body = await fetch(`http://127.0.0.1:${metricsPort(worker.metricsServer!)}/metrics`).then((r) => r.text());
      expect(body).toMatch(/vitnas_worker_self_test_ok\{worker="test-worker-0",backend="counting",device="test"\} 1/);
      expect(body).toMatch(/vitnas_worker_searches_total\{worker="test-worker-0",outcome="succeeded"\} 1/);
      expect(body).toMatch(/vitnas_worker_candidates_evaluated_total\{worker="test-worker-0"\} [1-9]/);
      expect(body).toMatch(/vitnas_worker_heartbeat_timestamp_seconds\{worker="test-worker-0"\} \d+/);
      const heartbeat = JSON.parse((await h.redis.get(`${h.prefix}:workers:test-worker-0`))!);
      expect(heartbeat).toMatchObject({ worker: "test-worker-0", backend: "counting", device: "test" });
    } finally {
      listener.disconnect();
      await worker.shutdown();
    }
  });

  it("runs WORKER_CONCURRENCY searches at once, each in its own process", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "50";
    const worker = await h.startWorker({ concurrency: 2 });
    try {
      const ids = [await h.submit(), await h.submit()];
      await waitFor("two searches running", async () => worker.runningSearches().length === 2);
      for (const id of ids) await waitFor("success", async () => (await statusOf(id)) === "succeeded");
      for (const id of ids) expect(await h.db.candidates.count(id)).toBe(6);
    } finally {
      await worker.shutdown();
    }
  });

  it("aborts a running search when it is cancelled, keeping its checkpoint", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "100";
    const worker = await h.startWorker();
    try {
      const id = await h.submit();
      await waitFor("training", async () => (await checkpointStep(id)) >= 2);
      await h.db.searches.cancel(id);
      await requestCancel(h.redis, h.prefix, id);
      await waitFor("the worker to let go", async () => worker.runningSearches().length === 0);
      expect(await statusOf(id)).toBe("cancelled");
      const stoppedAt = await checkpointStep(id);
      expect(stoppedAt).toBeGreaterThanOrEqual(2);
      expect(stoppedAt).toBeLessThan(30);
      expect(await h.db.candidates.count(id)).toBe(0);
      // The job is finished, not left for another worker to take up.
      await waitFor("the job to finish", async () => {
        const depth = await queueDepth(h.queue);
        return depth.waiting === 0 && depth.active === 0;
      });
    } finally {
      await worker.shutdown();
    }
  });

  it("cancels through BullMQ: the worker whose BullMQ holds the job stops it, and no other", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "60";
    const workers = [await h.startWorker(), await h.startWorker()];
    try {
      const ids = [await h.submit(), await h.submit()];
      await waitFor("both searches running, one on each worker", async () =>
        workers.every((w) => w.runningSearches().length === 1),
      );
      for (const id of ids) await waitFor("training", async () => (await checkpointStep(id)) >= 2);
      const [cancelled, kept] = ids as [string, string];
      const holder = workers.find((w) => w.runningSearches().includes(cancelled))!;
      const other = workers.find((w) => w !== holder)!;
      // A worker's BullMQ cancels only the jobs it processes.
      expect(other.worker.cancelJob(cancelled, "cancelled")).toBe(false);

      await h.db.searches.cancel(cancelled);
      await requestCancel(h.redis, h.prefix, cancelled);
      await waitFor("the holder to let go", async () => !holder.runningSearches().includes(cancelled));
      expect((await h.db.searches.get(cancelled))?.status).toBe("cancelled");
      expect(await checkpointStep(cancelled)).toBeLessThan(30);

      await waitFor("the other search to succeed", async () => (await h.db.searches.get(kept))?.status === "succeeded");
      expect(await h.db.candidates.count(kept)).toBe(6);
      expect(await h.db.candidates.count(cancelled)).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.shutdown()));
    }
  });

  it("notices a cancellation missed on pub/sub by polling the database", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "100";
    const worker = await h.startWorker();
    try {
      const id = await h.submit();
      await waitFor("training", async () => (await checkpointStep(id)) >= 1);
      await h.db.searches.cancel(id);
      await waitFor("the worker to let go", async () => worker.runningSearches().length === 0, 10_000);
      expect(await statusOf(id)).toBe("cancelled");
    } finally {
      await worker.shutdown();
    }
  });

  it("puts running searches back in the queue on shutdown, and another worker resumes them", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "100";
    const first = await h.startWorker();
    const id = await h.submit();
    await waitFor("training", async () => (await checkpointStep(id)) >= 3);
    await first.shutdown();
    expect(await statusOf(id)).toBe("queued");
    expect((await h.db.searches.get(id))?.attempt).toBe(1);
    expect(await queueDepth(h.queue)).toMatchObject({ waiting: 1, active: 0 });
    const stoppedAt = await checkpointStep(id);

    process.env.COUNTING_RUNNER_STEP_MS = "5";
    const second = await h.startWorker();
    try {
      await waitFor("success", async () => (await statusOf(id)) === "succeeded");
      expect(await starts(id)).toEqual([0, stoppedAt]);
      expect(await h.db.candidates.count(id)).toBe(6);
    } finally {
      await second.shutdown();
    }
  });

  it("records a failure with its message and keeps the checkpoint for a resume", async () => {
    process.env.COUNTING_RUNNER_FAIL_AT = "4";
    const worker = await h.startWorker();
    try {
      const id = await h.submit();
      await waitFor("failure", async () => (await statusOf(id)) === "failed");
      const record = (await h.db.searches.get(id))!;
      expect(record.error).toBe("counting runner failed at step 4 on purpose");
      expect(await checkpointStep(id)).toBe(4);
    } finally {
      await worker.shutdown();
    }
  });

  it("fails a search whose workers kept dying, once BullMQ gives its job up", async () => {
    const id = await h.submit();
    await h.db.searches.markRunning(id, "wasm");
    // A worker that takes the job and dies at once: its lock is never renewed.
    const doomed = new Worker(SEARCH_QUEUE, null, { connection: h.redis, prefix: h.prefix, lockDuration: 500 });
    expect((await doomed.getNextJob("dead-worker-token"))?.id).toBe(id);
    await doomed.close(true);
    const worker = await h.startWorker({ maxStalledCount: 0 });
    try {
      await waitFor("the stalled search to fail", async () => (await statusOf(id)) === "failed", 20_000);
      expect((await h.db.searches.get(id))?.error).toMatch(/worker stopped once while running it .*resume it/);
    } finally {
      await worker.shutdown();
    }
  });

  it("refuses to consume the queue when the backend fails its self-test", async () => {
    const id = await h.submit();
    await expect(h.startWorker({ backend: "broken" })).rejects.toThrow(SelfTestFailedError);
    await expect(h.startWorker({ backend: "broken" })).rejects.toThrow(
      /self-test failed on broken \(test\): gradient check failed/,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOf(id)).toBe("queued");
    expect(await queueDepth(h.queue)).toMatchObject({ waiting: 1, active: 0 });
    await h.db.searches.cancel(id);
    await h.queue.remove(id);
  });
});

// Redis losing its data (a restart without persistence; FLUSHALL does the same) under queued and running searches:
// Postgres still says queued or running, and the reconciler puts them back in the queue to resume from their
// checkpoints, without ever queueing a search twice or one that a live worker is running.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { queueDepth } from "@vitnas/queue";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dbSearchRecords } from "../src/db-search-records";
import { createLogger } from "../src/logger";
import { reconcileSearches } from "../src/reconciler";
import { workerHeartbeatKey } from "../src/search-worker";
import { createHarness, type Harness, tinyJob, waitFor } from "./harness";
import { type PrivateRedis, startPrivateRedis } from "./private-redis";

let redis: PrivateRedis;
let h: Harness;
beforeAll(async () => {
  redis = await startPrivateRedis();
  h = await createHarness({ redisUrl: redis.url });
});
afterAll(async () => {
  await h?.close();
  await redis?.stop();
});
afterEach(() => {
  delete process.env.COUNTING_RUNNER_STEP_MS;
});

const statusOf = async (id: string) => (await h.db.searches.get(id))?.status;
const finalStatus = (id: string) =>
  waitFor(
    "a final status",
    async () => {
      const status = await statusOf(id);
      return status === "succeeded" || status === "failed" || status === "cancelled" ? status : undefined;
    },
    90_000,
  );
const checkpointStep = async (id: string) =>
  readFile(join(h.store.root, "searches", id, "work", "count.json"), "utf8").then(
    (text) => JSON.parse(text).step as number,
    () => 0,
  );
const starts = async (id: string) =>
  (await readFile(join(h.store.root, "searches", id, "work", "starts.log"), "utf8")).trim().split("\n").map(Number);
const requeuedAudits = async (id: string) =>
  (await h.db.audit.list({ searchId: id })).filter((entry) => entry.action === "search.requeued");

describe("reconciling Postgres with a queue that lost its data", () => {
  it("puts a running search back in the queue after FLUSHALL, and it succeeds from its checkpoint", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "100";
    const worker = await h.startWorker({ reconcileIntervalMs: 500, reconcileGraceMs: 2000 });
    try {
      const id = await h.submit();
      await waitFor("training", async () => (await checkpointStep(id)) >= 5);
      await h.redis.flushall();
      expect(await finalStatus(id)).toBe("succeeded");
      // Run twice in all: from the start, then from the checkpoint, never by two processes at once.
      const [first, resumed, ...more] = await starts(id);
      expect(first).toBe(0);
      expect(resumed).toBeGreaterThanOrEqual(5);
      expect(more).toEqual([]);
      expect(await h.db.candidates.count(id)).toBe(6);
      expect((await requeuedAudits(id)).map((a) => a.details)).toEqual([
        { reason: expect.stringMatching(/no job in the queue/) },
      ]);
    } finally {
      await worker.shutdown();
    }
  });

  it("recovers running and queued searches after a Redis restart without persistence", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "100";
    const worker = await h.startWorker({ reconcileIntervalMs: 500, reconcileGraceMs: 2000 });
    try {
      const running = await h.submit();
      const queued = await h.submit();
      await waitFor("training", async () => (await checkpointStep(running)) >= 5);
      expect(await statusOf(queued)).toBe("queued");
      await redis.stop();
      await redis.start();
      expect(await finalStatus(running)).toBe("succeeded");
      expect(await finalStatus(queued)).toBe("succeeded");
      expect((await starts(running))[1]).toBeGreaterThanOrEqual(5);
      expect(await starts(queued)).toEqual([0]);
    } finally {
      await worker.shutdown();
    }
  });

  it("leaves alone a search just created, one a live worker runs, and queues the rest once", async () => {
    const reconcile = (graceMs: number) =>
      reconcileSearches({
        queue: h.queue,
        redis: h.redis,
        prefix: h.prefix,
        records: dbSearchRecords(h.db),
        logger: createLogger("test-reconciler", { LOG_LEVEL: "warn" }),
        graceMs,
      });
    // In Postgres, not yet in the queue: what the API's submission looks like between its two steps.
    const fresh = (await h.db.searches.create({ teamId: h.teamId, job: tinyJob() })).search.id;
    expect(await reconcile(60_000)).toEqual({ requeued: [] });
    expect(await queueDepth(h.queue)).toMatchObject({ waiting: 0, active: 0 });

    // Running on a worker whose heartbeat names it, though its job is gone.
    const busy = (await h.db.searches.create({ teamId: h.teamId, job: tinyJob() })).search.id;
    await h.db.searches.markRunning(busy, "counting");
    const beat = { worker: "elsewhere", running: [busy] };
    await h.redis.set(workerHeartbeatKey(h.prefix, "elsewhere"), JSON.stringify(beat), "PX", 60_000);

    // Passes racing each other (every worker runs one) queue the search once.
    const passes = await Promise.all([reconcile(0), reconcile(0), reconcile(0)]);
    expect(passes.flatMap((p) => p.requeued)).toEqual([fresh]);
    expect(await queueDepth(h.queue)).toMatchObject({ waiting: 1, active: 0 });
    expect((await h.queue.getJob(fresh))?.data).toEqual({ searchId: fresh });
    expect(await statusOf(busy)).toBe("running");
    // Queued now: the next pass finds its job and does nothing.
    expect(await reconcile(0)).toEqual({ requeued: [] });
    expect(await requeuedAudits(fresh)).toHaveLength(1);
  });
});

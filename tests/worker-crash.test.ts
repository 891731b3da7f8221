// Crash safety of the worker processes: a worker killed outright (SIGKILL of its whole process group, as when a
// machine dies) in the middle of supernet training loses at most one checkpoint interval, and another worker takes
// the search up and completes it; SIGTERM checkpoints the search and puts it back in the queue.

import { queueDepth } from "@vitnas/queue";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkpointReaches, checkpointStep, createService, type Service, tinyJob, waitFor } from "./service-harness";

let svc: Service;
beforeAll(async () => {
  svc = await createService();
});
afterEach(async () => {
  await svc.killWorkers();
});
afterAll(async () => {
  await svc?.close();
});

// Enough training steps to be caught in the middle of training, few enough for a test.
const TRAIN = 2048;
const job = () =>
  tinyJob((j) => {
    j.dataset = { ...j.dataset, train: TRAIN } as typeof j.dataset;
  });
const every = job().supernet.checkpointEverySteps;
const totalSteps = Math.floor(TRAIN / job().supernet.batchSize) * job().supernet.epochs;

const statusOf = async (id: string) => (await svc.db.searches.get(id))?.status;

/** Supernet steps of the progress events recorded after the event whose message names `worker`. */
async function stepsReportedBy(id: string, worker: string): Promise<number[]> {
  const events = await svc.db.progress.eventsAfter(id, null, 100_000);
  const start = events.findIndex((e) => String(e.data.message ?? "").includes(`worker ${worker} `));
  return events
    .slice(start + 1)
    .filter((e) => e.phase === "supernet" && typeof e.data.step === "number")
    .map((e) => e.data.step as number);
}

async function expectCompleteResult(id: string) {
  const search = (await svc.db.searches.get(id))!;
  expect(search.status).toBe("succeeded");
  const { rows } = await svc.db.pool.query<{ n: number; distinct: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT arch_hash)::int AS distinct FROM candidates WHERE search_id = $1",
    [id],
  );
  expect(rows[0]!.n).toBeGreaterThan(0);
  expect(rows[0]!.n).toBe(rows[0]!.distinct);
  // Every architecture the search evaluated, across both runs, is recorded once.
  expect(rows[0]!.n).toBe(search.progress?.candidatesEvaluated);
  const fronts = await svc.db.fronts.list(id);
  expect(fronts.length).toBeGreaterThan(0);
  const final = fronts.at(-1)!;
  expect(final.points.length).toBeGreaterThan(0);
  // Every member of the front is a recorded candidate with its figures, and no member dominates another.
  for (const p of final.points) {
    expect(p.macs).toBeGreaterThan(0);
    for (const q of final.points) {
      const dominates = q.accuracy >= p.accuracy && q.macs <= p.macs && (q.accuracy > p.accuracy || q.macs < p.macs);
      expect(dominates).toBe(false);
    }
  }
  const artifacts = await svc.db.artifacts.list(id);
  const bundled = new Set(artifacts.filter((a) => a.archHash).map((a) => a.archHash));
  for (const p of final.points) expect(bundled.has(p.id)).toBe(true);
}

describe("worker processes", () => {
  it("a worker killed in the middle of supernet training loses at most one checkpoint interval", async () => {
    const first = svc.spawnWorker("crash-a");
    const id = await svc.submit(job());
    await checkpointReaches(svc.artifactsDir, id, 2 * every);
    first.killHard();
    expect((await first.exited).signal).toBe("SIGKILL");
    expect(await statusOf(id)).toBe("running");
    // Killed in the middle of training: its last checkpoint is neither the first nor the last.
    const lastCheckpoint = checkpointStep(svc.artifactsDir, id);
    expect(lastCheckpoint).toBeGreaterThanOrEqual(2 * every);
    expect(lastCheckpoint).toBeLessThan(totalSteps);

    const second = svc.spawnWorker("crash-b");
    await svc.succeeds(id);
    const resumed = await stepsReportedBy(id, "crash-b");
    // Resumed from the last checkpoint, which is at most one interval behind the step the worker died in.
    expect(resumed[0]).toBe(lastCheckpoint);
    await expectCompleteResult(id);
    await waitFor("the worker's log", async () => second.output().includes("search succeeded"));
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 300_000);

  it("SIGTERM checkpoints the running search and puts it back in the queue for another worker", async () => {
    const first = svc.spawnWorker("term-a");
    const id = await svc.submit(job());
    const seen = await checkpointReaches(svc.artifactsDir, id, every);
    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(await statusOf(id)).toBe("queued");
    expect(await queueDepth(svc.queue)).toMatchObject({ waiting: 1, active: 0 });
    expect(first.output()).toContain("search checkpointed and put back in the queue");

    const stoppedAt = checkpointStep(svc.artifactsDir, id);
    expect(stoppedAt).toBeGreaterThanOrEqual(seen);
    expect(stoppedAt).toBeLessThan(totalSteps);

    const second = svc.spawnWorker("term-b");
    await svc.succeeds(id);
    const resumed = await stepsReportedBy(id, "term-b");
    // The abort checkpointed the step in flight, wherever it was between two regular checkpoints: nothing is lost.
    expect(resumed[0]).toBe(stoppedAt);
    await expectCompleteResult(id);
    await waitFor("the worker's log", async () => second.output().includes("search succeeded"));
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 300_000);
});

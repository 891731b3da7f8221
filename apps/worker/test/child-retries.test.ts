// The process that trains a search dying under a live worker (SIGKILL from an operator or the kernel's OOM killer,
// V8 aborting on an exhausted heap): the worker starts it again from the last checkpoint, SEARCH_CHILD_RETRIES times
// at most, then fails the search saying so.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, waitFor } from "./harness";

let h: Harness;
const nodeOptions = process.env.NODE_OPTIONS;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  delete process.env.COUNTING_RUNNER_STEP_MS;
  delete process.env.COUNTING_RUNNER_OOM_AT;
  if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = nodeOptions;
});

const statusOf = async (id: string) => (await h.db.searches.get(id))?.status;
const workFile = (id: string, name: string) =>
  readFile(join(h.store.root, "searches", id, "work", name), "utf8").catch(() => "");
const checkpointStep = async (id: string) => {
  const text = await workFile(id, "count.json");
  return text ? (JSON.parse(text).step as number) : 0;
};
/** The search's final status, once it has one. */
const finalStatus = (id: string) =>
  waitFor("a final status", async () => {
    const status = await statusOf(id);
    return status === "succeeded" || status === "failed" || status === "cancelled" ? status : undefined;
  });
const lines = async (id: string, name: string) => (await workFile(id, name)).trim().split("\n").filter(Boolean);

/** Waits for a training process other than those already killed, after it has checkpointed, and kills it. */
async function killTrainer(id: string, killed: number[]): Promise<number> {
  const pid = await waitFor("a new training process", async () => {
    const last = Number((await lines(id, "pids.log")).at(-1));
    return last && !killed.includes(last) && (await checkpointStep(id)) > killed.length * 2 ? last : undefined;
  });
  process.kill(pid, "SIGKILL");
  killed.push(pid);
  return pid;
}

describe("search process deaths", () => {
  it("starts a killed search process again from the last checkpoint, and the search succeeds with nothing lost", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "100";
    const worker = await h.startWorker();
    try {
      const id = await h.submit();
      await waitFor("training", async () => (await checkpointStep(id)) >= 3);
      await killTrainer(id, []);
      expect(await finalStatus(id)).toBe("succeeded");

      const starts = (await lines(id, "starts.log")).map(Number);
      expect(starts).toHaveLength(2);
      expect(starts[0]).toBe(0);
      expect(starts[1]).toBeGreaterThanOrEqual(3);
      // Every candidate once: six architectures, the final front holds them all, nothing evaluated twice in storage.
      const page = await h.db.candidates.query({ searchId: id, limit: 100 });
      expect(page.items).toHaveLength(6);
      expect(new Set(page.items.map((c) => c.id)).size).toBe(6);
      expect((await h.db.fronts.latest(id))?.points).toHaveLength(6);
      const events = await h.db.progress.eventsAfter(id, null, 1000);
      expect(events.map((e) => String(e.data.message ?? ""))).toContainEqual(
        expect.stringMatching(
          /search process died: killed \(SIGKILL\).*restarted from the last checkpoint \(retry 1 of 2\)/,
        ),
      );
      expect((await h.db.searches.get(id))?.error).toBeNull();
    } finally {
      await worker.shutdown();
    }
  });

  it("fails the search once its process has died more than SEARCH_CHILD_RETRIES times, saying so", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "100";
    const worker = await h.startWorker({ childRetries: 2 });
    try {
      const id = await h.submit();
      const killed: number[] = [];
      for (let i = 0; i < 3; i++) await killTrainer(id, killed);
      expect(await finalStatus(id)).toBe("failed");
      const { error } = (await h.db.searches.get(id))!;
      expect(error).toMatch(/search process died 3 times.*SEARCH_CHILD_RETRIES = 2/);
      expect(error).toMatch(/last: killed \(SIGKILL\).*\d+ MiB/);
      expect(error).toMatch(/checkpoints are kept, resume it/);
      expect(await lines(id, "pids.log")).toHaveLength(3);
    } finally {
      await worker.shutdown();
    }
  });

  it("names running out of memory, with the process's last memory figure", async () => {
    process.env.COUNTING_RUNNER_OOM_AT = "2";
    process.env.NODE_OPTIONS = `${nodeOptions ?? ""} --max-old-space-size=96`.trim();
    const worker = await h.startWorker({ childRetries: 1 });
    try {
      const id = await h.submit();
      expect(await finalStatus(id)).toBe("failed");
      const { error } = (await h.db.searches.get(id))!;
      expect(error).toMatch(/search process died 2 times.*SEARCH_CHILD_RETRIES = 1/);
      expect(error).toMatch(/last: out of memory or aborted \(SIGABRT\).*\d+ MiB/);
      // Both runs resumed from the step-2 checkpoint: the retry did not start over.
      expect((await lines(id, "starts.log")).map(Number)).toEqual([0, 2]);
    } finally {
      await worker.shutdown();
    }
  });
});

// The outcome table: which outcome a run has, and what each records in Postgres, announces, counts and tells BullMQ.
import type { SearchStatus } from "@vitnas/db";
import { UnrecoverableError, WaitingError } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbSearchRecords } from "../src/db-search-records";
import { outcomeOf, type SearchOutcome, settle, stopReasonOf } from "../src/search-outcome";
import { createHarness, type Harness, tinyJob } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("outcomeOf", () => {
  it("maps a run's result or stop reason to its outcome", () => {
    const cases: [Parameters<typeof outcomeOf>[0], SearchOutcome][] = [
      [{ succeeded: true, canRequeue: true }, "succeeded"],
      // A search that finished while being stopped keeps its result.
      [{ succeeded: true, stopReason: "cancelled", canRequeue: true }, "succeeded"],
      [{ succeeded: false, stopReason: "cancelled", canRequeue: true }, "cancelled"],
      [{ succeeded: false, stopReason: "shutdown", canRequeue: true }, "requeued"],
      [{ succeeded: false, stopReason: "shutdown", canRequeue: false }, "failed"],
      [{ succeeded: false, stopReason: "lock-lost", canRequeue: true }, "lock-lost"],
      [{ succeeded: false, canRequeue: true }, "failed"],
    ];
    for (const [run, outcome] of cases) expect(outcomeOf(run)).toBe(outcome);
  });

  it("reads the stop reason BullMQ's cancelJob put on the signal, and only ours", () => {
    const signal = (reason?: unknown) => {
      const controller = new AbortController();
      if (reason !== undefined) controller.abort(reason);
      return controller.signal;
    };
    expect(stopReasonOf(undefined)).toBeUndefined();
    expect(stopReasonOf(signal())).toBeUndefined();
    expect(stopReasonOf(signal("shutdown"))).toBe("shutdown");
    expect(stopReasonOf(signal("lock-lost"))).toBe("lock-lost");
    expect(stopReasonOf(signal(new Error("something else")))).toBeUndefined();
  });
});

describe("settle", () => {
  const records = () => dbSearchRecords(h.db);
  async function running() {
    const { search } = await h.db.searches.create({ teamId: h.teamId, job: tinyJob() });
    const selfTest = { backend: "counting", device: "test", ms: 1, ok: true };
    expect(await records().markRunning(search.id, { worker: "w", selfTest })).toBe(true);
    const seen = { announced: [] as [SearchStatus, string | undefined][], counted: [] as string[], requeued: 0 };
    const ctx = {
      searchId: search.id,
      records: records(),
      announce: async (status: SearchStatus, error?: string) => void seen.announced.push([status, error]),
      count: (outcome: string) => void seen.counted.push(outcome),
      requeue: async () => void seen.requeued++,
    };
    const status = async () => (await h.db.searches.get(search.id))!;
    return { id: search.id, ctx, seen, status };
  }

  it("succeeded: records, announces and counts the success, and BullMQ completes the job", async () => {
    const { ctx, seen, status } = await running();
    await expect(settle("succeeded", ctx)).resolves.toBe(true);
    expect((await status()).status).toBe("succeeded");
    expect(seen).toEqual({ announced: [["succeeded", undefined]], counted: ["succeeded"], requeued: 0 });
  });

  it("a search cancelled meanwhile stays cancelled when it succeeds, unannounced and uncounted", async () => {
    const { id, ctx, seen, status } = await running();
    await h.db.searches.cancel(id);
    await expect(settle("succeeded", ctx)).resolves.toBe(false);
    expect((await status()).status).toBe("cancelled");
    expect(seen).toEqual({ announced: [], counted: [], requeued: 0 });
  });

  it("cancelled: announced and counted even when the API had already recorded it", async () => {
    const { id, ctx, seen, status } = await running();
    await h.db.searches.cancel(id);
    await settle("cancelled", ctx);
    expect((await status()).status).toBe("cancelled");
    expect(seen).toEqual({ announced: [["cancelled", undefined]], counted: ["cancelled"], requeued: 0 });
  });

  it("requeued: back to queued, the job moved to waiting, and BullMQ told so with WaitingError", async () => {
    const { ctx, seen, status } = await running();
    await expect(settle("requeued", ctx)).rejects.toBeInstanceOf(WaitingError);
    expect((await status()).status).toBe("queued");
    expect(seen).toEqual({ announced: [["queued", undefined]], counted: ["requeued"], requeued: 1 });
  });

  it("failed: recorded with its error, and the job failed for good (no BullMQ retry)", async () => {
    const { ctx, seen, status } = await running();
    const failure = settle("failed", ctx, "out of patience");
    await expect(failure).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(failure).rejects.toThrow("out of patience");
    expect(await status()).toMatchObject({ status: "failed", error: "out of patience" });
    expect(seen).toEqual({ announced: [["failed", "out of patience"]], counted: ["failed"], requeued: 0 });
  });

  it("lock-lost: nothing recorded (another worker has the job), the job failed as lost", async () => {
    const { id, ctx, seen, status } = await running();
    await expect(settle("lock-lost", ctx)).rejects.toThrow(`search ${id}: the job's lock was lost`);
    expect((await status()).status).toBe("running");
    expect(seen).toEqual({ announced: [], counted: [], requeued: 0 });
  });
});

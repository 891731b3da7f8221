// How a search's run ends, in one table: what each outcome records in Postgres, announces live, counts in the
// metrics, and tells BullMQ about the job (docs/deployment.md, "Progress events and cancellation").
import type { SearchStatus } from "@vitnas/db";
import { UnrecoverableError, WaitingError } from "bullmq";
import type { SearchRecords } from "./search-records";

/**
 * Why a running search is being stopped: the reason its BullMQ job was cancelled with (`worker.cancelJob`), which
 * the processor reads from its abort signal.
 */
export type StopReason = "cancelled" | "shutdown" | "lock-lost";
export const STOP_REASONS: readonly StopReason[] = ["cancelled", "shutdown", "lock-lost"];

export type SearchOutcome = "succeeded" | "cancelled" | "requeued" | "lock-lost" | "failed";

interface OutcomeRule {
  /**
   * What Postgres records: the finished status, back in the queue, or nothing (another worker owns it now). A finish
   * changes nothing when the status changed meanwhile; `ifUnchanged` says whether the outcome is then still announced
   * and counted (a search cancelled by the API is already "cancelled" in Postgres, and listeners still hear of it).
   */
  record:
    | { finish: "succeeded" | "cancelled" | "failed"; ifUnchanged: { announce: boolean; count: boolean } }
    | "requeue"
    | "nothing";
  /** The status announced on the live channel once recorded. */
  announce?: SearchStatus;
  /** The `outcome` label of vitnas_worker_searches_total. */
  metric?: "succeeded" | "cancelled" | "requeued" | "failed";
  /**
   * What the processor tells BullMQ: the job is complete; back to waiting (BullMQ's WaitingError after moveToWait);
   * failed for good (UnrecoverableError: BullMQ must not retry a search recorded as failed); or failed as lost.
   */
  queue: "complete" | "wait" | "unrecoverable" | "lost";
}

export const OUTCOMES: Readonly<Record<SearchOutcome, OutcomeRule>> = {
  // Finished after it was cancelled: it stays cancelled (its results are kept), and is no success.
  succeeded: {
    record: { finish: "succeeded", ifUnchanged: { announce: false, count: false } },
    announce: "succeeded",
    metric: "succeeded",
    queue: "complete",
  },
  cancelled: {
    record: { finish: "cancelled", ifUnchanged: { announce: true, count: true } },
    announce: "cancelled",
    metric: "cancelled",
    queue: "complete",
  },
  requeued: { record: "requeue", announce: "queued", metric: "requeued", queue: "wait" },
  "lock-lost": { record: "nothing", queue: "lost" },
  failed: {
    record: { finish: "failed", ifUnchanged: { announce: false, count: true } },
    announce: "failed",
    metric: "failed",
    queue: "unrecoverable",
  },
};

/** The outcome of a run: its result, or why it stopped. */
export function outcomeOf(run: { succeeded: boolean; stopReason?: StopReason; canRequeue: boolean }): SearchOutcome {
  if (run.succeeded) return "succeeded";
  if (run.stopReason === "cancelled") return "cancelled";
  if (run.stopReason === "shutdown" && run.canRequeue) return "requeued";
  if (run.stopReason === "lock-lost") return "lock-lost";
  return "failed";
}

/** The stop reason an abort signal carries, when it is one of ours. */
export function stopReasonOf(signal: AbortSignal | undefined): StopReason | undefined {
  if (!signal?.aborted) return undefined;
  return STOP_REASONS.find((reason) => reason === signal.reason);
}

export interface SettleContext {
  searchId: string;
  records: Pick<SearchRecords, "finish" | "markRequeued">;
  announce(status: SearchStatus, error?: string): Promise<void>;
  count(outcome: NonNullable<OutcomeRule["metric"]>): void;
  /** Moves the job back to waiting (BullMQ's `job.moveToWait(token)`). */
  requeue(): Promise<void>;
}

/**
 * Carries out an outcome's row of the table. Resolves when BullMQ is to complete the job, false when the search's
 * status had changed meanwhile; otherwise throws what the processor must throw.
 */
export async function settle(outcome: SearchOutcome, ctx: SettleContext, error?: string): Promise<boolean> {
  const rule = OUTCOMES[outcome];
  let changed = true;
  let announce = true;
  let count = true;
  if (rule.record === "requeue") {
    await ctx.records.markRequeued(ctx.searchId, "worker shut down");
  } else if (rule.record !== "nothing") {
    const { finish, ifUnchanged } = rule.record;
    changed = await ctx.records.finish(ctx.searchId, { status: finish, ...(error ? { error } : {}) });
    if (!changed) ({ announce, count } = ifUnchanged);
  }
  if (rule.announce && announce) await ctx.announce(rule.announce, error);
  if (rule.metric && count) ctx.count(rule.metric);
  switch (rule.queue) {
    case "complete":
      return changed;
    case "wait":
      await ctx.requeue();
      throw new WaitingError();
    case "unrecoverable":
      throw new UnrecoverableError(error ?? "the search failed");
    case "lost":
      throw new Error(`search ${ctx.searchId}: the job's lock was lost`);
  }
}

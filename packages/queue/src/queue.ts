// The search queue as producers (the API) and consumers (workers) share it. A job carries only the search's id:
// the search itself (its nas-search/v1 job, status, results) lives in Postgres.
import { type ConnectionOptions, type Job, Queue } from "bullmq";

export const SEARCH_QUEUE = "searches";

export interface SearchJobData {
  searchId: string;
}

export type SearchQueue = Queue<SearchJobData, void, "search">;

export interface SearchQueueOptions {
  /** BullMQ key prefix (default "vitnas"); a unique one per test keeps test runs apart on one Redis. */
  prefix?: string;
}

export function createSearchQueue(connection: ConnectionOptions, options: SearchQueueOptions = {}): SearchQueue {
  return new Queue<SearchJobData, void, "search">(SEARCH_QUEUE, {
    connection,
    prefix: options.prefix ?? "vitnas",
    defaultJobOptions: {
      // A search that fails is recorded as failed in Postgres and its job ends (the worker throws BullMQ's
      // UnrecoverableError): it is resumed on request, not retried. Retries are for a worker that could not even
      // start the search (Postgres or the artifact store unreachable for a moment).
      attempts: 5,
      backoff: { type: "exponential", delay: 5000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  });
}

/**
 * Queues a search once: the job id is the search id, so queueing a search that is already waiting or running is a
 * no-op. A finished (failed) job of the same search is replaced, which is how a failed search is resumed.
 */
export async function enqueueSearch(
  queue: SearchQueue,
  searchId: string,
  /** BullMQ priority, 1 first: the search's place in its team's line (docs/deployment.md, "Fairness between teams"). */
  priority?: number,
): Promise<Job<SearchJobData, void, "search">> {
  const existing = await queue.getJob(searchId);
  if (existing) {
    const state = await existing.getState();
    if (state === "completed" || state === "failed") await existing.remove();
    else return existing;
  }
  return queue.add("search", { searchId }, { jobId: searchId, ...(priority !== undefined ? { priority } : {}) });
}

/**
 * Takes a search out of the queue if no worker holds it yet. Returns false when it is running (the worker notices the
 * cancelled status and aborts it) or was not queued.
 */
export async function removeQueuedSearch(queue: SearchQueue, searchId: string): Promise<boolean> {
  const job = await queue.getJob(searchId);
  if (!job) return false;
  const state = await job.getState();
  if (state === "active") return false;
  await job.remove();
  return true;
}

export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export async function queueDepth(queue: SearchQueue): Promise<QueueDepth> {
  const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed", "prioritized");
  return {
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
  };
}

// Postgres is the record of which searches should run; Redis only carries their BullMQ jobs. When Redis loses its
// data (restarted without its append-only file, FLUSHALL, a failover to an empty replica), searches that Postgres
// calls queued or running have no job, and no worker would ever take them up again. Every worker runs this at start
// and every WORKER_RECONCILE_MS: such a search is put back in the queue and resumes from its checkpoints.
import { randomUUID } from "node:crypto";
import { enqueueSearch, type SearchQueue } from "@vitnas/queue";
import type { Redis } from "ioredis";
import type { Logger } from "./logger";
import type { SearchRecords } from "./search-records";

export interface ReconcilerOptions {
  queue: SearchQueue;
  /** For worker heartbeats, job locks and the pass lock (a plain connection, not a subscriber). */
  redis: Redis;
  prefix: string;
  records: SearchRecords;
  logger: Logger;
  /**
   * A search updated more recently than this is left alone: a submission or a resume writes Postgres before it adds
   * the job, and a running search's progress keeps it fresh while a worker trains it.
   */
  graceMs: number;
  /** Searches this process runs now; its heartbeat may not name them yet. */
  localRunning?: () => Iterable<string>;
}

/** Job states that leave a search with nothing to run it: no job at all, or one that ended before the search did. */
const ORPHANED = new Set(["unknown", "completed"]);
/** Most searches looked at per pass; the rest wait for the next one. */
const PASS_LIMIT = 1000;
/** One pass at a time across every worker; released at its end, or expired if its worker died mid-pass. */
const PASS_LOCK_MS = 60_000;
/** How long stopping waits for a pass in flight. */
const STOP_WAIT_MS = 2000;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** Searches that a live worker's heartbeat says it is running. */
async function heartbeatSearches(redis: Redis, prefix: string): Promise<Set<string>> {
  const running = new Set<string>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:workers:*`, "COUNT", 100);
    cursor = next;
    if (keys.length === 0) continue;
    for (const value of await redis.mget(...keys)) {
      try {
        const ids = (JSON.parse(value ?? "null") as { running?: unknown } | null)?.running;
        if (Array.isArray(ids)) for (const id of ids) if (typeof id === "string") running.add(id);
      } catch {
        // A heartbeat that is not JSON names nothing.
      }
    }
  } while (cursor !== "0");
  return running;
}

/** One pass: re-queues the searches Postgres has as queued or running that nothing in Redis holds. */
export async function reconcileSearches(options: ReconcilerOptions): Promise<{ requeued: string[] }> {
  const { queue, redis, records, logger } = options;
  const requeued: string[] = [];
  const idle = await records.listIdle(new Date(Date.now() - options.graceMs), PASS_LIMIT);
  if (idle.length === 0) return { requeued };
  const passLock = `${options.prefix}:reconciler`;
  const token = randomUUID();
  if ((await redis.set(passLock, token, "PX", PASS_LOCK_MS, "NX")) !== "OK") return { requeued };
  try {
    const busy = await heartbeatSearches(redis, options.prefix);
    for (const id of options.localRunning?.() ?? []) busy.add(id);
    for (const search of idle) {
      if (busy.has(search.id)) continue;
      const state = await queue.getJobState(search.id);
      if (!ORPHANED.has(state)) continue;
      // A lock without a job: a worker still holds it; leave it to BullMQ's stalled-job check.
      if ((await redis.exists(queue.toKey(`${search.id}:lock`))) === 1) continue;
      const reason =
        state === "unknown"
          ? `${search.status} in Postgres but no job in the queue (Redis lost its data?)`
          : `${search.status} in Postgres but its job had ended`;
      await records.markRequeued(search.id, reason);
      await enqueueSearch(queue, search.id, await records.queuePriority(search.id));
      requeued.push(search.id);
      logger.warn({ searchId: search.id, reason }, "search put back in the queue; it resumes from its checkpoints");
    }
  } finally {
    await redis.eval(RELEASE, 1, passLock, token).catch(() => undefined);
  }
  return { requeued };
}

/** Runs a pass now and every `intervalMs` (never two at once in this process) until stopped. */
export function startReconciler(options: ReconcilerOptions & { intervalMs: number }): { stop(): Promise<void> } {
  let inFlight: Promise<void> | undefined;
  const pass = () => {
    inFlight ??= reconcileSearches(options)
      .then(() => undefined)
      .catch((err: Error) => options.logger.warn({ err }, "could not reconcile searches with the queue"))
      .finally(() => {
        inFlight = undefined;
      });
  };
  pass();
  const timer = setInterval(pass, options.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      // A pass waiting on an unreachable Redis must not hold the shutdown up; its commands fail when the
      // connections close.
      await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    },
  };
}

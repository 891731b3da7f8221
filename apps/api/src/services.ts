// What the API needs from outside Postgres, as small interfaces the app is built from, and their implementation over
// Redis: the search queue (BullMQ, through the worker's queue module), worker cancellation and live events
// (Redis pub/sub), worker presence (the workers' heartbeat keys), API key revocations (pub/sub).

import type { SearchStatus } from "@vitnas/db";
import {
  createSearchQueue,
  enqueueSearch,
  publishSearchEvent,
  type QueueDepth,
  queueDepth,
  removeQueuedSearch,
  requestCancel,
  searchEventsChannel,
} from "@vitnas/queue";
import { Redis } from "ioredis";
import { type KeyRevocations, redisKeyRevocations } from "./key-revocations";
import { withTimeout } from "./timeout";

export { TimeoutError, withTimeout } from "./timeout";
export type { KeyRevocations, QueueDepth };

export interface SearchDispatch {
  /** Puts a search in the queue with a priority (1 first; a no-op when it is already waiting or running). */
  enqueue(searchId: string, priority?: number): Promise<void>;
  /** Takes a cancelled search out of the queue, and tells the worker running it to stop. */
  withdraw(searchId: string): Promise<void>;
  depth(): Promise<QueueDepth>;
}

export interface LiveEvents {
  /**
   * Calls `onEvent` whenever a worker publishes about the search; resolves, once the subscription is in place, to the
   * function that unsubscribes.
   */
  subscribe(searchId: string, onEvent: () => void): Promise<() => void>;
  /** Tells the search's listeners that its status changed (a cancel or resume through the API). */
  publishStatus(searchId: string, status: SearchStatus): Promise<void>;
}

export interface WorkerBeat {
  worker: string;
  backend?: string;
  device?: string;
  running?: string[];
}

export interface WorkerPresence {
  /** Workers whose heartbeat key is alive. */
  list(): Promise<WorkerBeat[]>;
}

export interface RedisServices {
  /**
   * A connection that fails fast while Redis is away (no offline queue, short command timeout), for a shared
   * rate-limit store that must not hold requests during an outage.
   */
  failFast: Redis;
  dispatch: SearchDispatch;
  live: LiveEvents;
  workers: WorkerPresence;
  /** Revoked API keys, announced to every API process. */
  revocations: KeyRevocations;
  /** Resolves when Redis answers PING. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisServicesOptions {
  redisUrl: string;
  /** BullMQ and pub/sub key prefix shared with the workers (default "vitnas"). */
  prefix?: string;
  /** How long a queue operation may take before the request fails (default 3000 ms). */
  timeoutMs?: number;
}

export function redisServices(options: RedisServicesOptions): RedisServices {
  const prefix = options.prefix ?? "vitnas";
  const timeoutMs = options.timeoutMs ?? 3000;
  const ignore = () => undefined;
  // ioredis reconnects on its own; errors while Redis is down surface as failed commands and in /readyz.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  redis.on("error", ignore);
  const queue = createSearchQueue(redis, { prefix });
  queue.on("error", ignore);

  let subscriber: Redis | undefined;
  const listeners = new Map<string, Set<() => void>>();
  const subscribed = new Map<string, Promise<unknown>>();
  const subscriberConnection = (): Redis => {
    if (subscriber) return subscriber;
    subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    subscriber.on("error", ignore);
    subscriber.on("message", (channel: string) => {
      for (const listener of listeners.get(channel) ?? []) listener();
    });
    return subscriber;
  };

  let failFast: Redis | undefined;
  const revocations = redisKeyRevocations(options.redisUrl, redis, prefix, timeoutMs);
  return {
    get failFast() {
      if (!failFast) {
        failFast = new Redis(options.redisUrl, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          commandTimeout: 500,
        });
        failFast.on("error", ignore);
      }
      return failFast;
    },
    dispatch: {
      enqueue: async (searchId, priority) => {
        await withTimeout(enqueueSearch(queue, searchId, priority), timeoutMs, "the search queue (Redis)");
      },
      withdraw: async (searchId) => {
        await withTimeout(
          Promise.all([removeQueuedSearch(queue, searchId), requestCancel(redis, prefix, searchId)]),
          timeoutMs,
          "the search queue (Redis)",
        );
      },
      depth: () => withTimeout(queueDepth(queue), timeoutMs, "the search queue (Redis)"),
    },
    live: {
      async subscribe(searchId, onEvent) {
        const channel = searchEventsChannel(prefix, searchId);
        let set = listeners.get(channel);
        if (!set) {
          set = new Set();
          listeners.set(channel, set);
          subscribed.set(channel, subscriberConnection().subscribe(channel));
        }
        set.add(onEvent);
        const unsubscribe = () => {
          set.delete(onEvent);
          if (set.size === 0 && listeners.get(channel) === set) {
            listeners.delete(channel);
            subscribed.delete(channel);
            subscriber?.unsubscribe(channel).catch(ignore);
          }
        };
        try {
          await withTimeout(subscribed.get(channel) ?? Promise.resolve(), timeoutMs, "Redis");
        } catch (err) {
          unsubscribe();
          throw err;
        }
        return unsubscribe;
      },
      publishStatus: async (searchId, status) => {
        const event = { type: "status" as const, searchId, at: new Date().toISOString(), status };
        await withTimeout(publishSearchEvent(redis, prefix, event), timeoutMs, "Redis");
      },
    },
    workers: {
      async list() {
        const keys: string[] = [];
        let cursor = "0";
        do {
          const [next, batch] = await withTimeout(
            redis.scan(cursor, "MATCH", `${prefix}:workers:*`, "COUNT", 100),
            timeoutMs,
            "Redis",
          );
          cursor = next;
          keys.push(...batch);
        } while (cursor !== "0" && keys.length < 10_000);
        if (keys.length === 0) return [];
        const values = await withTimeout(redis.mget(...keys), timeoutMs, "Redis");
        return values.flatMap((value, i) => {
          try {
            const beat = JSON.parse(value ?? "null") as WorkerBeat | null;
            return beat ? [{ ...beat, worker: beat.worker ?? keys[i] }] : [];
          } catch {
            return [];
          }
        });
      },
    },
    revocations,
    ping: async () => {
      await redis.ping();
    },
    async close() {
      await queue.close().catch(ignore);
      redis.disconnect();
      subscriber?.disconnect();
      revocations.close();
      failFast?.disconnect();
    },
  };
}

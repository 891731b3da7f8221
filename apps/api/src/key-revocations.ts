// Revoking an API key must reach every API process at once: each keeps verified keys in memory (auth.ts) to spare
// Postgres a query per request, which alone let a revoked key work until its entry expired. Whoever revokes a key
// publishes it on Redis; every API process drops it from its cache on receipt.
import { type Db, keyRevocationsChannel } from "@vitnas/db";
import { Redis } from "ioredis";
import { withTimeout } from "./timeout";

export { keyRevocationsChannel };

export interface KeyRevocations {
  /** Tells every API process to forget a revoked key (its id or prefix). Call after revoking it in Postgres. */
  publish(key: string): Promise<void>;
  /**
   * Calls `forget(key)` for each revoked key, and `forget()` (forget every key) when revocations may have been missed
   * while the subscription was down. Returns the function that stops calling it.
   */
  subscribe(forget: (key?: string) => void): () => void;
  /** Resolves once the subscription is in place (rejects after a timeout; it is still made when Redis returns). */
  ready(): Promise<void>;
}

/** Revokes a key by id or prefix in Postgres, then tells the API processes; false when there is no such live key. */
export async function revokeApiKey(db: Db, revocations: KeyRevocations, key: string): Promise<boolean> {
  if (!(await db.apiKeys.revoke(key))) return false;
  await revocations.publish(key);
  return true;
}

export function redisKeyRevocations(
  redisUrl: string,
  publisher: Redis,
  prefix: string,
  timeoutMs: number,
): KeyRevocations & { close(): void } {
  const channel = keyRevocationsChannel(prefix);
  const forgetters = new Set<(key?: string) => void>();
  let subscriber: Redis | undefined;
  let subscribed: Promise<unknown> | undefined;
  const connect = () => {
    if (subscriber) return;
    subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
    subscriber.on("error", () => undefined);
    subscriber.on("message", (from: string, key: string) => {
      if (from === channel) for (const forget of forgetters) forget(key);
    });
    // ioredis subscribes again after a reconnection, but what was published meanwhile is lost: forget every key.
    subscriber.on("ready", () => {
      for (const forget of forgetters) forget();
    });
    subscribed = subscriber.subscribe(channel);
  };
  return {
    publish: async (key) => {
      await withTimeout(publisher.publish(channel, key), timeoutMs, "Redis");
    },
    subscribe(forget) {
      connect();
      forgetters.add(forget);
      return () => forgetters.delete(forget);
    },
    async ready() {
      connect();
      await withTimeout(subscribed ?? Promise.resolve(), timeoutMs, "Redis");
    },
    close() {
      forgetters.clear();
      subscriber?.disconnect();
    },
  };
}

// A short-lived, per-process cache of searches read by id: status polling by many clients costs one database read
// per search per interval instead of one per request. Changes made through this process are seen at once (they
// evict); a worker's progress shows within `ttlMs`, and live progress has its own stream (/events).
import type { Db, SearchRecord } from "@vitnas/db";
import { LRUCache } from "lru-cache";

export interface SearchCache {
  /** The team's search, or null (missing or another team's). */
  get(id: string, teamId: string): Promise<SearchRecord | null>;
  evict(id: string): void;
}

export function searchCache(db: Db, ttlMs: number, maxEntries = 10_000): SearchCache {
  // At most `maxEntries` searches, the least recently read leaving first, each kept `ttlMs`.
  const entries = ttlMs > 0 ? new LRUCache<string, SearchRecord>({ max: maxEntries, ttl: ttlMs }) : undefined;
  return {
    async get(id, teamId) {
      if (!entries) return db.searches.get(id, teamId);
      const hit = entries.get(id);
      const search = hit ?? (await db.searches.get(id));
      if (!search) return null;
      if (!hit) entries.set(id, search);
      return search.teamId === teamId ? search : null;
    },
    evict: (id) => {
      entries?.delete(id);
    },
  };
}

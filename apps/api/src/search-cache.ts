// A short-lived, per-process cache of searches read by id: status polling by many clients costs one database read
// per search per interval instead of one per request. Changes made through this process are seen at once (they
// evict); a worker's progress shows within `ttlMs`, and live progress has its own stream (/events).
import type { Db, SearchRecord } from "@vitnas/db";

export interface SearchCache {
  /** The team's search, or null (missing or another team's). */
  get(id: string, teamId: string): Promise<SearchRecord | null>;
  evict(id: string): void;
}

export function searchCache(db: Db, ttlMs: number, maxEntries = 10_000): SearchCache {
  const entries = new Map<string, { search: SearchRecord; until: number }>();
  return {
    async get(id, teamId) {
      if (ttlMs <= 0) return db.searches.get(id, teamId);
      const hit = entries.get(id);
      if (hit && hit.until > Date.now()) return hit.search.teamId === teamId ? hit.search : null;
      const search = await db.searches.get(id);
      if (!search) return null;
      if (entries.size >= maxEntries) entries.clear();
      entries.set(id, { search, until: Date.now() + ttlMs });
      return search.teamId === teamId ? search : null;
    },
    evict: (id) => {
      entries.delete(id);
    },
  };
}

// Redis pub/sub between workers and the API: live progress per search (the API's server-sent events) and the
// cancellation signal (the API marks a search cancelled in Postgres, then tells the worker running it).
import type { SearchStatus } from "@vitnas/db";
import type { ProgressEvent } from "@vitnas/pipeline";
import type { Redis } from "ioredis";

export type LiveSearchEvent =
  | { type: "progress"; searchId: string; at: string; progress: ProgressEvent }
  | { type: "status"; searchId: string; at: string; status: SearchStatus; error?: string };

/** An event before it is stamped with its search and time. */
export type LiveSearchEventBody = LiveSearchEvent extends infer E
  ? E extends LiveSearchEvent
    ? Omit<E, "searchId" | "at">
    : never
  : never;

/** Channel carrying one search's live events, JSON-encoded `LiveSearchEvent`s. */
export function searchEventsChannel(prefix: string, searchId: string): string {
  return `${prefix}:search:${searchId}:events`;
}

/** Channel every worker listens on for `{ type: "cancel", searchId }`. */
export function searchControlChannel(prefix: string): string {
  return `${prefix}:search-control`;
}

export interface SearchControlMessage {
  type: "cancel";
  searchId: string;
}

export async function publishSearchEvent(redis: Redis, prefix: string, event: LiveSearchEvent): Promise<void> {
  await redis.publish(searchEventsChannel(prefix, event.searchId), JSON.stringify(event));
}

/** Tells whichever worker runs the search to abort it. Call after marking the search cancelled in Postgres. */
export async function requestCancel(redis: Redis, prefix: string, searchId: string): Promise<void> {
  const message: SearchControlMessage = { type: "cancel", searchId };
  await redis.publish(searchControlChannel(prefix), JSON.stringify(message));
}

export function parseControlMessage(raw: string): SearchControlMessage | undefined {
  try {
    const value = JSON.parse(raw) as Partial<SearchControlMessage>;
    if (value.type === "cancel" && typeof value.searchId === "string")
      return { type: "cancel", searchId: value.searchId };
  } catch {
    // A malformed message from another tool on the same Redis is not ours to act on.
  }
  return undefined;
}

// The team's searches, live, from GET /v1/searches/events: a `snapshot`, then a `search` event per change. The
// stream says `idle` and ends when none of them is queued or running; it is opened again after a while, so a search
// another member submits meanwhile still shows up, and at once whenever the list is shown anew.
import { useEffect, useRef } from "react";
import type { Search } from "./schema";

export function useSearchListEvents(onSearches: (searches: Search[]) => void, reconnectMs = 15_000): void {
  const handler = useRef(onSearches);
  handler.current = onSearches;

  useEffect(() => {
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const later = () => {
      source?.close();
      if (!stopped) timer = setTimeout(connect, reconnectMs);
    };
    const read = (event: MessageEvent<string>): Record<string, unknown> | undefined => {
      try {
        return JSON.parse(event.data) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    };
    function connect() {
      source = new EventSource("/v1/searches/events");
      source.addEventListener("snapshot", (event) => {
        // Each search as GET /v1/searches lists it.
        const items = read(event as MessageEvent<string>)?.items;
        if (Array.isArray(items)) handler.current(items as Search[]);
      });
      source.addEventListener("search", (event) => {
        const search = read(event as MessageEvent<string>)?.search;
        if (search) handler.current([search as Search]);
      });
      source.addEventListener("idle", later);
      // A refused stream (signed out, the API away) is not retried by EventSource itself.
      source.addEventListener("error", () => {
        if (source?.readyState === EventSource.CLOSED) later();
      });
    }
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [reconnectMs]);
}

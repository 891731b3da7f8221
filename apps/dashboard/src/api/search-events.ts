// A search's live progress from its server-sent events: `progress` events carry the pipeline's progress, `status`
// events a change of status, `end` closes the stream once the search has finished.
import { useEffect, useRef } from "react";
import type { Progress, SearchStatus } from "./schema";

export interface SearchEventHandlers {
  onProgress(progress: Progress): void;
  /** Called when the stream reports a status other than the last one it reported. */
  onStatus(status: SearchStatus): void;
}

export function useSearchEvents(searchId: string, live: boolean, handlers: SearchEventHandlers): void {
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;

  useEffect(() => {
    if (!live) return;
    const source = new EventSource(`/v1/searches/${encodeURIComponent(searchId)}/events`);
    let lastStatus: string | undefined;
    const statusSeen = (status: unknown) => {
      if (typeof status !== "string" || status === lastStatus) return;
      lastStatus = status;
      handlersRef.current.onStatus(status as SearchStatus);
    };
    const receive = (event: MessageEvent<string>) => {
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(event.data) as Record<string, unknown>;
      } catch {
        return;
      }
      const kind = typeof payload.type === "string" ? payload.type : event.type;
      if (payload.progress !== undefined || payload.phase !== undefined) {
        // The stream sends the stored progress snapshot GET /v1/searches/:id answers as `progress`.
        handlersRef.current.onProgress((payload.progress ?? payload) as Progress);
      }
      statusSeen(payload.status);
      // The stream ends with the search; without closing, EventSource would reconnect and replay the end.
      if (kind === "end") source.close();
    };
    for (const name of ["message", "progress", "status", "end"]) {
      source.addEventListener(name, receive as EventListener);
    }
    return () => source.close();
  }, [searchId, live]);
}

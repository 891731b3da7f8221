// A search's live progress from its server-sent events. The API relays the worker's events: `progress` carries
// the pipeline's progress, `status` a change of status. Bare progress objects are accepted too.
import { useEffect, useRef } from "react";
import { type Progress, readProgress, type SearchStatus } from "./types";

export interface SearchEventHandlers {
  onProgress(progress: Progress): void;
  onStatus(status: SearchStatus | undefined): void;
}

export function useSearchEvents(searchId: string, live: boolean, handlers: SearchEventHandlers): void {
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;

  useEffect(() => {
    if (!live) return;
    const source = new EventSource(`/v1/searches/${encodeURIComponent(searchId)}/events`);
    const receive = (event: MessageEvent<string>) => {
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(event.data) as Record<string, unknown>;
      } catch {
        return;
      }
      const kind = typeof payload.type === "string" ? payload.type : event.type;
      if (kind === "status" || kind === "end" || kind === "done") {
        handlersRef.current.onStatus(payload.status as SearchStatus | undefined);
      } else if (payload.progress !== undefined || payload.phase !== undefined) {
        handlersRef.current.onProgress(readProgress(payload.progress ?? payload));
        // Some relays carry the status along with each progress event.
        if (typeof payload.status === "string") handlersRef.current.onStatus(payload.status as SearchStatus);
      }
    };
    source.addEventListener("message", receive);
    source.addEventListener("progress", receive);
    source.addEventListener("status", receive);
    source.addEventListener("end", receive);
    return () => source.close();
  }, [searchId, live]);
}

// The job being written, checked by the API a moment after typing pauses: each change restarts the wait and
// aborts the request in flight, so typing is never held up and an older answer never overwrites a newer one. The
// last answer stays on screen, marked pending, until the next one arrives.
import { useEffect, useState } from "react";
import { ApiError, answer, api, type FieldIssue } from "./api/client";
import type { Estimate } from "./api/schema";
import { useSession } from "./session";

export const LIVE_CHECK_DELAY_MS = 400;

export type LiveResult =
  | { state: "none" }
  /** The form's own text does not read (JSON that does not parse, a number field with letters). */
  | { state: "local"; issues: Record<string, FieldIssue[]> }
  | { state: "checked"; estimate: Estimate }
  | { state: "failed"; message: string };

export interface LiveCheck {
  /** A change not checked yet: the result is the previous one. */
  pending: boolean;
  result: LiveResult;
}

/** `draft` is the job to check, or the local problems that keep it from being sent; a new object restarts the wait. */
export function useLiveCheck(
  draft: { job: Record<string, unknown> } | { local: Record<string, FieldIssue[]> },
): LiveCheck {
  const { expired } = useSession();
  const [check, setCheck] = useState<LiveCheck>({ pending: true, result: { state: "none" } });
  useEffect(() => {
    const controller = new AbortController();
    setCheck((c) => (c.pending ? c : { ...c, pending: true }));
    const timer = setTimeout(() => {
      if ("local" in draft) {
        setCheck({ pending: false, result: { state: "local", issues: draft.local } });
        return;
      }
      answer(api.POST("/v1/spaces/estimate", { body: draft.job, signal: controller.signal }))
        .then((estimate) => setCheck({ pending: false, result: { state: "checked", estimate } }))
        .catch((cause: unknown) => {
          if (controller.signal.aborted) return;
          if (cause instanceof ApiError && cause.status === 401) expired();
          const message = cause instanceof Error ? cause.message : String(cause);
          setCheck({ pending: false, result: { state: "failed", message } });
        });
    }, LIVE_CHECK_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [draft, expired]);
  return check;
}

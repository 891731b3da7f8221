// Loads one API resource, reloads it on demand or on an interval, and signs out on 401.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api } from "./api/client";
import { useSession } from "./session";

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

export function useResource<T>(
  path: string | null,
  read: (raw: unknown) => T,
  options: { intervalMs?: number /** Reloads when it changes. */; version?: unknown } = {},
): Resource<T> {
  const { expired } = useSession();
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const readRef = useRef(read);
  readRef.current = read;
  // What the last answer said: an unchanged answer keeps the same data object, so charts are not redrawn.
  const lastRef = useRef<string | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is the reload trigger.
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setLoading(true);
    api<unknown>(path, { signal: controller.signal })
      .then((raw) => {
        const text = JSON.stringify(raw);
        if (text !== lastRef.current) {
          lastRef.current = text;
          setData(readRef.current(raw));
        }
        setError(undefined);
      })
      .catch((cause: unknown) => {
        if (controller.signal.aborted) return;
        const failure = cause instanceof ApiError ? cause : new ApiError(0, "client", String(cause));
        if (failure.status === 401) expired();
        setError(failure);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [path, tick, expired, options.version]);

  useEffect(() => {
    if (!options.intervalMs || path === null) return;
    const timer = setInterval(() => setTick((t) => t + 1), options.intervalMs);
    return () => clearInterval(timer);
  }, [options.intervalMs, path]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

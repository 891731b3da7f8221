// Reading the API with TanStack Query: polling while a search runs, the last answer kept on screen while the next
// loads (or fails), an unchanged answer kept as the same object so charts are not redrawn (structural sharing), and
// a 401 signing the dashboard out.
import { keepPreviousData, QueryClient, type QueryKey, useQuery } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";
import { useSession } from "../session";
import { ApiError, answer, api } from "./client";
import type { Architecture } from "./schema";

/** The dashboard's queries: failures are shown at once rather than retried, and polling is each query's own. */
export const newQueryClient = () =>
  new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 0 } } });

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * One API answer, loaded while `key` is not null, refetched every `intervalMs` when given. A change of key keeps the
 * previous answer on screen until the new one arrives.
 */
export function useApi<T>(
  key: QueryKey | null,
  load: (signal: AbortSignal) => Promise<T>,
  options: { intervalMs?: number | undefined } = {},
): Loaded<T> {
  const { expired } = useSession();
  const result = useQuery({
    queryKey: key ?? ["none"],
    queryFn: ({ signal }) => load(signal),
    enabled: key !== null,
    refetchInterval: options.intervalMs ?? false,
    placeholderData: keepPreviousData,
  });
  const error =
    result.error === null
      ? undefined
      : result.error instanceof ApiError
        ? result.error
        : new ApiError(0, "client", String(result.error));
  useEffect(() => {
    if (error?.status === 401) expired();
  }, [error, expired]);
  const { refetch } = result;
  const reload = useCallback(() => void refetch(), [refetch]);
  return {
    data: key === null ? undefined : result.data,
    error,
    loading: key !== null && result.isFetching,
    reload,
  };
}

/** One architecture of a search (GET /v1/searches/:id/architectures/:archId); none while `archId` is empty. */
export function useArchitecture(searchId: string, archId: string): Loaded<Architecture> {
  return useApi(archId ? ["architecture", searchId, archId] : null, (signal) =>
    answer(api.GET("/v1/searches/{id}/architectures/{archId}", { params: { path: { id: searchId, archId } }, signal })),
  );
}

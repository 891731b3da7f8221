// Cancellation: every phase stops at a consistent point and rejects with an error named "AbortError".

export function abortError(what = "the search was aborted"): Error {
  const error = new Error(what);
  error.name = "AbortError";
  return error;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

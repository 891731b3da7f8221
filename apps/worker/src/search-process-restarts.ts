// The process training a search died without reporting a result: killed (SIGKILL, which the kernel's OOM killer also
// sends), aborted (SIGABRT, V8's answer to an exhausted heap) or crashed. Its worker is alive and the search's
// checkpoints are intact, so it is started again from them, as a search whose worker was lost is.
import type { SearchResult } from "@vitnas/pipeline";
import type { SearchProcess } from "./search-process";
import { describeExit, SearchProcessExit } from "./search-process-exit";

/** Whether the process died from outside or of its own resources (a signal), rather than exiting on its own. */
function isProcessDeath(error: unknown): error is SearchProcessExit {
  return error instanceof SearchProcessExit && (error.signal !== null || error.code === 134 || error.code === 137);
}

/** The search's error once it has died more often than it may be restarted. */
function deathsExhaustedMessage(exit: SearchProcessExit, deaths: number, retries: number): string {
  const count = (n: number) => (n === 1 ? "once" : `${n} times`);
  const restarts =
    retries === 0
      ? "SEARCH_CHILD_RETRIES = 0 allows no restart"
      : `it was restarted from the last checkpoint ${count(retries)}, as many as SEARCH_CHILD_RETRIES = ${retries} allows`;
  return (
    `the search process died ${count(deaths)}; ${restarts} (last: ${describeExit(exit)}); ` +
    "checkpoints are kept, resume it to continue"
  );
}

export interface RestartOptions {
  /** SEARCH_CHILD_RETRIES: restarts allowed before the search is failed. */
  retries: number;
  /** True once the search is being stopped (cancelled, shut down): a death then ends it, as an abort would. */
  stopping(): boolean;
  /** Called with each process started after a death, so an abort reaches the one running now. */
  onRestart(child: SearchProcess, exit: SearchProcessExit, retry: number): void;
}

/**
 * Waits for `first`'s result, starting the search again from its checkpoint (`start`) each time its process dies,
 * up to `retries` times; then rejects with an error that says how often it died and how it died last. Any other
 * failure (the search's own error, an abort) passes through at once.
 */
export async function resultRestartingOnDeath(
  first: SearchProcess,
  start: () => SearchProcess,
  options: RestartOptions,
): Promise<SearchResult> {
  let child = first;
  for (let deaths = 0; ; deaths++) {
    try {
      return await child.done;
    } catch (err) {
      if (!isProcessDeath(err) || options.stopping()) throw err;
      if (deaths >= options.retries) throw new Error(deathsExhaustedMessage(err, deaths + 1, options.retries));
      child = start();
      options.onRestart(child, err, deaths + 1);
    }
  }
}

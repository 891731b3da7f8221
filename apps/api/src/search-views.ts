// How a stored search is shown to its team, as the response schemas in schemas.ts describe it.
import type { Static } from "@sinclair/typebox";
import type { SearchRecord, SearchSummary } from "@vitnas/db";
import type { Progress, SearchSummary as SummarySchema } from "./schemas";

const iso = (at: Date | null) => (at ? at.toISOString() : null);

export function summaryView(search: SearchSummary, teamName: string): Static<typeof SummarySchema> {
  return {
    id: search.id,
    name: search.name,
    status: search.status,
    backend: search.backend,
    seed: search.seed,
    attempt: search.attempt,
    // Stored as the pipeline's progress event reported it (packages/pipeline ProgressEvent), which the schema lists.
    progress: search.progress as Static<typeof Progress>,
    submitter: search.submitter
      ? {
          keyId: search.submitter.keyId,
          name: search.submitter.keyName,
          prefix: search.submitter.keyPrefix,
          team: teamName,
        }
      : null,
    createdAt: search.createdAt.toISOString(),
    startedAt: iso(search.startedAt),
    finishedAt: iso(search.finishedAt),
    updatedAt: search.updatedAt.toISOString(),
    error: search.error,
  };
}

export const detailView = (search: SearchRecord, teamName: string) => ({
  ...summaryView(search, teamName),
  job: search.job,
});

// How a stored search is shown to its team.
import type { SearchRecord, SearchSummary } from "@vitnas/db";

export function summaryView(search: SearchSummary, teamName: string) {
  return {
    id: search.id,
    name: search.name,
    status: search.status,
    backend: search.backend,
    seed: search.seed,
    attempt: search.attempt,
    progress: search.progress,
    submitter: search.submitter
      ? {
          keyId: search.submitter.keyId,
          name: search.submitter.keyName,
          prefix: search.submitter.keyPrefix,
          team: teamName,
        }
      : null,
    createdAt: search.createdAt,
    startedAt: search.startedAt,
    finishedAt: search.finishedAt,
    updatedAt: search.updatedAt,
    error: search.error,
  };
}

export const detailView = (search: SearchRecord, teamName: string) => ({
  ...summaryView(search, teamName),
  job: search.job,
});

// What a valid nas-search/v1 job must also pass to be accepted by this service: submission refuses a job that
// fails them, and the estimate lists them while a job is being written, so both say the same words.
import type { NasSearch, ValidationIssue } from "@vitnas/formats";
import { datasetRootIssues } from "@vitnas/queue";

/** searches.seed is an int4: nas-search/v1 allows seeds to 2^32-1, and a larger one would fail the insert. */
export const MAX_STORED_SEED = 2 ** 31 - 1;

export async function serviceIssues(job: NasSearch, datasetRoots: readonly string[]): Promise<ValidationIssue[]> {
  const issues: ValidationIssue[] = [];
  if (job.seed > MAX_STORED_SEED) {
    issues.push({ path: "seed", message: `must be <= ${MAX_STORED_SEED} (the largest seed this service stores)` });
  }
  // The worker would read any local path: confined to DATASET_ROOTS, and refused in words that say nothing about
  // what lies outside them (whether the path exists, is a directory, what it holds).
  issues.push(...(await datasetRootIssues(job.dataset, datasetRoots)));
  return issues;
}

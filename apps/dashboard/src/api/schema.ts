// The API's answers as the dashboard reads them: every type is @vitnas/api-client's, taken from the API's own OpenAPI
// document (docs/api-contract.md), so a response that changes shape fails the type check here instead of being read
// wrongly. What is the dashboard's own (a scatter point's count, the status filter's order) is added here.
import type { Architecture, Scatter, SearchStatus } from "@vitnas/api-client";
import type { VitArch } from "@vitnas/formats";

export type {
  Architecture,
  Baseline,
  Candidate,
  ComparedSearch,
  Comparison,
  Dataset,
  DatasetList,
  Estimate,
  FrontStep,
  Importance,
  Me,
  MetricSample,
  Parallel,
  ParallelRow,
  ParetoPoint,
  Progress,
  Scatter,
  Search,
  SearchDetail,
  SearchPage,
  SearchStatus,
  SessionAnswer,
  StageOutline,
  SubmittedJob,
} from "@vitnas/api-client";

export const SEARCH_STATUSES: readonly SearchStatus[] = ["queued", "running", "succeeded", "failed", "cancelled"];
/** A point of the scatter: a front member, or another candidate standing for `count` of them. */
export type Point = Scatter["front"][number] & { count?: number };

/** The architecture's vit-arch/v1 document, which the API sends as it was stored (and the formats package types). */
export function vitArch(detail: Architecture): VitArch {
  const given = detail.arch as Partial<VitArch>;
  return { ...given, stages: Array.isArray(given.stages) ? given.stages : [] } as VitArch;
}

// The API's answers as the dashboard reads them: every type here is taken from the API's own OpenAPI document
// (generated/openapi.d.ts, written by `npm run -w @vitnas/dashboard openapi`), so a response that changes shape
// fails the type check here instead of being read wrongly.
import type { VitArch } from "@vitnas/formats";
import type { paths } from "./generated/openapi";

/** The JSON a route answers with `status`. */
type Answer<
  Path extends keyof paths,
  Method extends keyof paths[Path],
  Status extends number = 200,
> = paths[Path][Method] extends { responses: { [S in Status]: { content: { "application/json": infer Body } } } }
  ? Body
  : never;

export type SessionAnswer = Answer<"/v1/session", "get">;
export type Me = Answer<"/v1/me", "get">;

export type SearchPage = Answer<"/v1/searches/", "get">;
export type Search = SearchPage["items"][number];
export type SearchDetail = Answer<"/v1/searches/{id}", "get">;
export type SearchStatus = Search["status"];
export type Progress = NonNullable<Search["progress"]>;
export const SEARCH_STATUSES: readonly SearchStatus[] = ["queued", "running", "succeeded", "failed", "cancelled"];

export type ParetoPoint = Answer<"/v1/searches/{id}/pareto", "get">[number];
export type Candidate = Answer<"/v1/searches/{id}/candidates", "get">["items"][number];
export type Scatter = Answer<"/v1/searches/{id}/scatter", "get">;
/** A point of the scatter: a front member, or another candidate standing for `count` of them. */
export type Point = Scatter["front"][number] & { count?: number };
export type FrontStep = Answer<"/v1/searches/{id}/fronts", "get">["items"][number];
export type MetricSample = Answer<"/v1/searches/{id}/metrics", "get">["items"][number];
export type Architecture = Answer<"/v1/searches/{id}/architectures/{archId}", "get">;
export type Baseline = Answer<"/v1/searches/{id}/baselines", "get">["items"][number];

export type Parallel = Answer<"/v1/searches/{id}/parallel", "get">;
export type ParallelRow = Parallel["others"][number];
export type StageOutline = ParallelRow["stages"][number];
export type Importance = Answer<"/v1/searches/{id}/importance", "get">;
export type Comparison = Answer<"/v1/searches/compare", "get">;
export type ComparedSearch = Comparison["searches"][number];

export type Estimate = Answer<"/v1/spaces/estimate", "post">;
export type Dataset = Answer<"/v1/datasets/{id}", "get">;
export type DatasetList = Answer<"/v1/datasets/", "get">;

/**
 * A nas-search/v1 job as POST /v1/searches takes it. The dashboard assembles jobs from its forms (and from pasted
 * JSON) as plain objects: the API validates them and answers each problem by field, which the forms show.
 */
export type SubmittedJob = NonNullable<paths["/v1/searches/"]["post"]["requestBody"]>["content"]["application/json"];

/** The architecture's vit-arch/v1 document, which the API sends as it was stored (and the formats package types). */
export function vitArch(detail: Architecture): VitArch {
  const given = detail.arch as Partial<VitArch>;
  return { ...given, stages: Array.isArray(given.stages) ? given.stages : [] } as VitArch;
}

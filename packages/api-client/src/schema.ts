// Names for the API's answers its clients read, every one taken from the API's own OpenAPI document
// (generated/openapi.d.ts, written by `npm run openapi`), so a response that changes shape fails the type check where
// it is read instead of being read wrongly (docs/api-contract.md).
import type { paths } from "./generated/openapi";

/** The JSON a route answers with `status`. */
export type Answer<
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

export type ParetoPoint = Answer<"/v1/searches/{id}/pareto", "get">[number];
export type Candidate = Answer<"/v1/searches/{id}/candidates", "get">["items"][number];
export type Scatter = Answer<"/v1/searches/{id}/scatter", "get">;
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

/** A nas-search/v1 job as POST /v1/searches takes it (the API validates it and answers each problem by field). */
export type SubmittedJob = NonNullable<paths["/v1/searches/"]["post"]["requestBody"]>["content"]["application/json"];

// /v1/searches/:id/parallel, /v1/searches/:id/importance and /v1/searches/compare: what a team asks of its
// searches beyond the front itself. Team-scoped like every search route: another team's search answers 404.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Db } from "@vitnas/db";
import { CompareQuery, Comparison, Importance, MAX_COMPARED, Parallel, ParallelQuery } from "../analysis-schemas";
import { ApiError } from "../errors";
import { errorResponses, IdParams } from "../schemas";
import { compareFronts, importanceAnalyser, parallelCoordinates } from "../search-analysis";
import { requestSearch, type SearchLookup } from "../search-lookup";

export interface AnalysisRoutesOptions {
  db: Db;
  searches: SearchLookup;
  /** Candidates choice importance is computed from at most (a uniform sample beyond; default 10,000). */
  importanceSamples?: number;
}

export const analysisRoutes: FastifyPluginAsyncTypebox<AnalysisRoutesOptions> = async (app, options) => {
  const { db, searches } = options;
  const importance = importanceAnalyser(db, options.importanceSamples ?? 10_000);

  app.get(
    "/:id/parallel",
    {
      schema: {
        summary: "Every candidate's choices per stage with its figures, for parallel coordinates",
        description:
          "The same sample as /scatter: every front point, plus the other candidates downsampled over (MACs, accuracy) to at most maxPoints rows in all; each row has its stages' depth, width, mean heads and MLP, dominant attention type and reduction.",
        tags: ["results"],
        params: IdParams,
        querystring: ParallelQuery,
        response: { 200: Parallel, ...errorResponses },
      },
    },
    async (request) => parallelCoordinates(db, requestSearch(request).id, request.query.maxPoints ?? 5000),
  );

  app.get(
    "/:id/importance",
    {
      schema: {
        summary: "How much each searchable choice explains accuracy, with accuracy per option",
        description:
          "Accuracy is fitted as a sum of one effect per choice and option (ridge least squares over every evaluated candidate, or a uniform sample of 10,000); a choice's importance is its effect's variance as a share of all effects' variance, as functional ANOVA reports main effects. Block choices (heads, MLP size, attention) count each candidate by the share of the stage's blocks taking an option.",
        tags: ["results"],
        params: IdParams,
        response: { 200: Importance, ...errorResponses },
      },
    },
    async (request) => importance(requestSearch(request).id),
  );

  app.get(
    "/compare",
    {
      schema: {
        summary: "Several of the team's searches: their fronts and hypervolumes against one reference point",
        tags: ["results"],
        querystring: CompareQuery,
        response: { 200: Comparison, ...errorResponses },
      },
    },
    async (request) => {
      const ids = [...new Set(request.query.ids.split(",").map((id) => id.trim()))].filter(Boolean);
      if (ids.length < 2 || ids.length > MAX_COMPARED || ids.some((id) => id.length > 64)) {
        const message = `must name 2 to ${MAX_COMPARED} different search ids of at most 64 characters, separated by commas`;
        throw new ApiError(400, "validation_error", `querystring.ids: ${message}`, [
          { path: "querystring.ids", message },
        ]);
      }
      const team = request.identity!.team.id;
      const found = await Promise.all(ids.map((id) => searches.find(id, team)));
      return compareFronts(db, found);
    },
  );
};

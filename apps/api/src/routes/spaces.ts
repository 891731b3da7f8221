// POST /v1/spaces/estimate: a space or a job checked and priced before it is submitted, so whoever writes one sees
// the service's own messages, the space's size and its MACs range while typing. Authenticated like every /v1 route;
// it reads no team data.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Authenticator, requireIdentity } from "../auth";
import { Estimate, EstimateBody } from "../estimate-schemas";
import type { JobLimits } from "../job-limits";
import { errorResponses } from "../schemas";
import { estimateDocument } from "../space-estimate";

export interface SpaceRoutesOptions {
  authenticate: Authenticator["authenticate"];
  datasetRoots: readonly string[];
  limits: JobLimits;
}

export const spaceRoutes: FastifyPluginAsyncTypebox<SpaceRoutesOptions> = async (app, options) => {
  app.addHook("onRequest", options.authenticate);
  app.addHook("preHandler", requireIdentity);

  app.post(
    "/estimate",
    {
      schema: {
        summary: "Check a space or a job and estimate it before submitting",
        description:
          "Body: a vit-space/v1 space or a nas-search/v1 job. The answer lists every issue submission would report " +
          "(paths and messages as POST /v1/searches gives them), the space's size and the MACs and parameters of its " +
          "smallest and largest architectures (also for a job whose other fields are invalid), and for a valid job " +
          "its cost estimate and the operator's limits it exceeds.",
        tags: ["searches"],
        body: EstimateBody,
        response: { 200: Estimate, ...errorResponses },
      },
      // Checked by @vitnas/formats like a submission, and answered with its issues rather than refused.
      validatorCompiler: () => () => true,
    },
    async (request) => estimateDocument(request.body, options.datasetRoots, options.limits),
  );
};

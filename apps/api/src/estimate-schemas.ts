// Request and response schemas of POST /v1/spaces/estimate.
import { Type as T, type TSchema } from "@sinclair/typebox";

const nullable = <S extends TSchema>(schema: S) => T.Union([schema, T.Null()]);

export const EstimateBody = T.Unsafe<unknown>({
  type: "object",
  additionalProperties: true,
  description:
    "a vit-space/v1 space or a nas-search/v1 job, chosen by its `format`; checked by the same rules as submission, " +
    "so an invalid document is answered 200 with its issues",
});

const Count = T.Object({ macs: T.Number(), params: T.Number() });

const Issue = T.Object({
  path: T.String({ description: "the field, e.g. space.stages[1].widths[0]" }),
  message: T.String(),
});

const SpaceFigures = T.Object({
  size: T.String({ description: "distinct architectures, in decimal (often beyond 2^53)" }),
  smallest: T.Object(Count.properties, {
    description: "the space's cheapest corner: smallest sizes, cheapest attention, reduction and position",
  }),
  largest: T.Object(Count.properties, {
    description: "the space's costliest corner, the one the job's training cost is priced at",
  }),
});

const JobEstimate = T.Object({
  images: T.Object({ train: nullable(T.Number()), val: nullable(T.Number()), test: nullable(T.Number()) }),
  largestMacs: T.Number(),
  candidateMacs: T.Number({ description: "the largest candidate the search may evaluate (under a MACs maximum)" }),
  trainingMacs: nullable(
    T.Number({
      description: "images x epochs x largest MACs x supernetPasses, plus the final phase's trainings (x 3 each)",
    }),
  ),
  supernetPasses: T.Number({
    description:
      "forward-pass equivalents per training image in a super-network step: 3 per sub-network reading it (every " +
      "one with archBatch whole, one with split), plus 1 for the distillation teacher",
  }),
  evaluations: T.Number({ description: "population x (generations + 1)" }),
  shrinkEvaluations: T.Number({
    description: "space shrinking's sub-network evaluations: its paired sub-networks x every stage's attention types",
  }),
  evaluationMacs: nullable(
    T.Number({
      description: "evaluations x validation images x candidateMacs, plus shrinkEvaluations x its images x largestMacs",
    }),
  ),
  datasetBytes: nullable(T.Number()),
  assumptions: T.Array(T.String()),
});

const LimitExceeded = T.Object({
  limit: T.String({ description: "the operator's variable, e.g. MAX_JOB_TRAINING_MACS" }),
  max: T.Number(),
  value: T.Number(),
  path: T.String({ description: "the job's field that drives the figure most" }),
  fields: T.Array(T.String()),
  message: T.String(),
});

export const Estimate = T.Object({
  format: nullable(T.String({ description: "vit-space/v1 or nas-search/v1; null when it is neither" })),
  valid: T.Boolean({ description: "whether submission would accept it (the team's quota aside)" }),
  issues: T.Array(Issue),
  space: nullable(SpaceFigures),
  estimate: nullable(JobEstimate),
  limits: T.Array(LimitExceeded, { description: "the operator's limits the job exceeds (submission answers 422)" }),
});

// Schemas of a finished search's report (report.md, pareto.svg) and baselines: Fastify validates with them and the
// OpenAPI document describes the routes from them.
import { Type as T } from "@sinclair/typebox";

export const ReportQuery = T.Object(
  {
    format: T.Optional(
      T.Union([T.Literal("markdown"), T.Literal("svg")], {
        default: "markdown",
        description: "markdown: report.md (text/markdown); svg: its chart, pareto.svg (image/svg+xml)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const BaselineParams = T.Object({
  id: T.String({ maxLength: 64 }),
  name: T.String({
    maxLength: 200,
    description: "the baseline's name (uniform-smallest, archs[0], ...) or its bundle's directory (archs-0)",
  }),
});

export const Baseline = T.Object({
  name: T.String({
    description: "uniform-smallest, uniform-median, uniform-largest (the space's uniform architectures) or archs[i]",
  }),
  id: T.String({ description: "the architecture's canonical hash (not a candidate of the search)" }),
  arch: T.Object({}, { additionalProperties: true, description: "the vit-arch/v1 document" }),
  macs: T.Number(),
  params: T.Number(),
  testAccuracy: T.Number({ description: "top-1 accuracy on the test split of the baseline trained alone" }),
  valAccuracy: T.Number({
    description: "top-1 validation accuracy (the validation images were trained on with the job's final.trainOnVal)",
  }),
  epochs: T.Integer({ description: "epochs it was trained (the final phase's recipe)" }),
  mode: T.String({ description: "finetune (from the super-network's weights) or scratch" }),
  download: T.String({ description: "where its trained bundle is downloaded (.tar.gz)" }),
});

export const Baselines = T.Object({
  items: T.Array(Baseline, {
    description:
      "by increasing MACs; empty until the search has finished, and for a job without baselines (its `baselines` section)",
  }),
});

/** The 200 answer of a route sending a file of its own media type, for the OpenAPI document. */
export const fileResponse = (description: string, mediaTypes: string[]) => ({
  description,
  content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: { type: "string" } }])),
});

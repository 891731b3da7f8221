// Request and response schemas of the analysis routes (parallel coordinates, choice importance, compared fronts);
// the shared pieces come from schemas.ts.
import { Type as T, type TSchema } from "@sinclair/typebox";
import { Point, SearchStatusSchema } from "./schemas";

const nullable = <S extends TSchema>(schema: S) => T.Union([schema, T.Null()]);

export const ParallelQuery = T.Object(
  { maxPoints: T.Optional(T.Integer({ minimum: 1, maximum: 20_000, default: 5000 })) },
  { additionalProperties: false },
);

const StageOutline = T.Object({
  depth: T.Integer(),
  width: T.Number(),
  heads: T.Number({ description: "mean over the stage's blocks" }),
  mlpHidden: T.Number({ description: "mean over the stage's blocks" }),
  attention: T.String({ description: "the type most of the stage's blocks use (ties: the earliest block's)" }),
  reduction: T.String(),
});

const ParallelRow = T.Object({
  ...Point.properties,
  position: nullable(T.String()),
  stages: T.Array(StageOutline),
});

export const Parallel = T.Object({
  total: T.Integer({ description: "candidates evaluated" }),
  downsampled: T.Boolean(),
  stages: T.Integer({ description: "the most stages any row has" }),
  front: T.Array(ParallelRow, {
    description: "every front point (thinned evenly only if they alone exceed maxPoints)",
  }),
  others: T.Array(
    T.Object({ ...ParallelRow.properties, count: T.Integer({ description: "candidates this row stands for" }) }),
  ),
});

export const Importance = T.Object({
  total: T.Integer({ description: "candidates evaluated" }),
  samples: T.Integer({ description: "candidates analysed: all of them, or a uniform sample of a large search" }),
  variance: T.Number({ description: "accuracy's variance over the samples" }),
  explained: T.Number({
    description: "share of that variance the choices' main effects explain together (the rest: interactions, noise)",
  }),
  choices: T.Array(
    T.Object({
      key: T.String({ description: "e.g. stages[0].attention, stages[1].width, position" }),
      label: T.String({ description: "e.g. stage 1 attention" }),
      importance: T.Number({ description: "share of the main effects' variance; all choices' sum to 1" }),
      variance: T.Number({ description: "variance of the choice's fitted effect over the samples" }),
      options: T.Array(
        T.Object({
          value: T.Union([T.String(), T.Number()]),
          candidates: T.Integer({ description: "samples that took it (in one block at least, for block choices)" }),
          mean: T.Number({ description: "mean accuracy, each sample weighted by its share of the option" }),
          std: T.Number({ description: "standard deviation of accuracy, weighted alike" }),
          effect: T.Number({ description: "fitted effect on accuracy relative to the mean, other choices equal" }),
        }),
      ),
    }),
    { description: "choices with two or more options among the samples, most important first" },
  ),
});

export const MAX_COMPARED = 8;

export const CompareQuery = T.Object(
  {
    ids: T.String({
      minLength: 1,
      maxLength: MAX_COMPARED * 65,
      description: `comma-separated ids of 2 to ${MAX_COMPARED} of the team's searches`,
    }),
  },
  { additionalProperties: false },
);

export const Comparison = T.Object({
  referenceMacs: T.Number({ description: "the common reference point's MACs (its accuracy is 0)" }),
  searches: T.Array(
    T.Object({
      id: T.String(),
      name: T.String(),
      status: SearchStatusSchema,
      total: T.Integer({ description: "candidates evaluated" }),
      front: T.Array(Point),
      hypervolume: T.Number({ description: "of the current front, against the common reference, in [0, 1]" }),
      generations: T.Array(T.Object({ generation: T.Integer(), hypervolume: T.Number() })),
    }),
    { description: "in the order asked" },
  ),
});

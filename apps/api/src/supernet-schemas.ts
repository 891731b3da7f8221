// The trained super-networks' answers (GET /v1/supernets, a submission's `supernet`), for validation and OpenAPI.
import { Type as T } from "@sinclair/typebox";
import { SearchRef } from "./schemas";

const SubnetFigures = T.Object({
  accuracy: T.Number({ description: "validation accuracy with the super-network's weights" }),
  macs: T.Number(),
});

export const SupernetView = T.Object({
  id: T.String(),
  searchId: T.String({ description: "the search that trained it" }),
  searchName: T.String(),
  spaceHash: T.String({ description: "the space's canonical hash: only a job on the same space may search on it" }),
  datasetFingerprint: T.String({ description: "the training and validation data it was trained on" }),
  recipeHash: T.String({ description: "the hash of the job's supernet section and seed that trained it" }),
  checkpoint: T.String({ description: "its checkpoint's id (step and digest), the evaluation cache's key" }),
  epochs: T.Integer(),
  largest: SubnetFigures,
  smallest: SubnetFigures,
  createdAt: T.String({ format: "date-time" }),
});

export const ListSupernetsQuery = T.Object(
  {
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: T.Optional(T.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

/** A submission's answer: with `supernet.from`, the super-network it searches on and how it differs from the job. */
export const SubmittedSearch = T.Composite([
  SearchRef,
  T.Object({
    supernet: T.Optional(
      T.Object({
        id: T.String(),
        searchId: T.String(),
        sameDataset: T.Boolean({ description: "the job's dataset section equals the training search's" }),
        sameRecipe: T.Boolean({ description: "the job's supernet recipe and seed equal the training search's" }),
        notes: T.Array(T.String(), { description: "each difference stated, naming the job's field" }),
      }),
    ),
  }),
]);

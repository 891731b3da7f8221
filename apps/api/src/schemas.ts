// Request and response schemas of the REST API: Fastify validates and serialises with them and the OpenAPI document
// is generated from them. The search job itself is `NasSearchSchema` from @vitnas/formats.

import { Type as T, type TSchema } from "@sinclair/typebox";
import { CANDIDATE_SORTS, SEARCH_STATUSES } from "@vitnas/db";

const nullable = <S extends TSchema>(schema: S) => T.Union([schema, T.Null()]);
const literals = <V extends string>(values: readonly V[]) => T.Union(values.map((v) => T.Literal(v)));
const Timestamp = T.String({ format: "date-time" });
const FreeObject = T.Object({}, { additionalProperties: true });
/**
 * A bound compared with a bigint column: beyond 2^53 a double no longer names one integer, and beyond 2^63 Postgres
 * fails. (Non-finite numbers, which Ajv lets past minimum/maximum after coercion, are refused by input-guard.ts.)
 */
const BigintBound = (description: string) => T.Number({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

export const ErrorBody = T.Object(
  {
    error: T.String({ description: "stable error code, e.g. validation_error, not_found, unauthorized" }),
    message: T.String(),
    details: T.Unknown({ description: "for validation errors: [{ path, message }]" }),
  },
  { $id: "Error" },
);

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
  429: ErrorBody,
  // Any route that reads Postgres, while its connection is lost (with Retry-After).
  503: ErrorBody,
} as const;

export const SearchStatusSchema = literals(SEARCH_STATUSES);
export const IdParams = T.Object({ id: T.String({ maxLength: 64 }) });
export const ArchParams = T.Object({ id: T.String({ maxLength: 64 }), archId: T.String({ maxLength: 200 }) });

export const Progress = nullable(
  T.Object(
    {
      phase: T.String({
        description:
          "dataset, supernet, search, export, final (front architectures trained alone, when the job asks), done; " +
          "a client should show a phase it does not know by its name",
      }),
      percent: T.Number(),
      kind: T.Optional(
        T.String({
          description:
            "what the event is: dataset, supernet-step, supernet-reused, evaluation, generation (a generation " +
            'ended), export, final-step, done (docs/deployment.md, "Progress events and cancellation"); absent ' +
            "on events recorded before kinds existed",
        }),
      ),
      epoch: T.Optional(T.Number()),
      epochs: T.Optional(T.Number()),
      generation: T.Optional(T.Number()),
      generations: T.Optional(T.Number()),
      candidatesEvaluated: T.Optional(T.Number()),
      etaSeconds: T.Optional(T.Number()),
      step: T.Optional(T.Number({ description: "the training step within the epoch" })),
      steps: T.Optional(T.Number()),
      loss: T.Optional(T.Number()),
      imagesPerSec: T.Optional(T.Number()),
      message: T.Optional(T.String()),
    },
    { additionalProperties: true, description: "the latest progress event of the search's pipeline" },
  ),
);

export const Submitter = nullable(
  T.Object({ keyId: T.String(), name: T.String(), prefix: T.String(), team: T.String() }),
);

const searchFields = {
  id: T.String({ format: "uuid" }),
  name: T.String(),
  status: SearchStatusSchema,
  backend: nullable(T.String()),
  seed: T.Integer(),
  attempt: T.Integer({ description: "times the search was re-queued" }),
  progress: Progress,
  submitter: Submitter,
  createdAt: Timestamp,
  startedAt: nullable(Timestamp),
  finishedAt: nullable(Timestamp),
  updatedAt: Timestamp,
  error: nullable(T.String()),
};

export const SearchSummary = T.Object(searchFields, { $id: "SearchSummary" });
export const SearchDetail = T.Object(
  {
    ...searchFields,
    job: T.Unsafe<unknown>({
      type: "object",
      additionalProperties: true,
      description: "the nas-search/v1 job with defaults",
    }),
  },
  { $id: "SearchDetail" },
);

export const SearchRef = T.Object({ id: T.String(), status: SearchStatusSchema });

export const ListSearchesQuery = T.Object(
  {
    status: T.Optional(SearchStatusSchema),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: T.Optional(T.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const Page = <S extends TSchema>(item: S) =>
  T.Object({ items: T.Array(item), nextCursor: nullable(T.String()) });

export const Point = T.Object({
  id: T.String({ description: "the architecture's canonical hash" }),
  accuracy: T.Number(),
  macs: T.Number(),
  params: T.Number(),
});

/** What the final phase measured of an architecture it trained alone; null for one it did not train. */
const trainedFields = {
  testAccuracy: nullable(
    T.Number({ description: "top-1 accuracy on the test split of the model trained alone by the final phase" }),
  ),
  finalEpochs: nullable(T.Integer({ description: "epochs the final phase trained it" })),
  finalMode: nullable(
    T.String({ description: "finetune (from the inherited weights) or scratch: how the final phase trained it" }),
  ),
};

/**
 * A front architecture's batch-1 latency in ONNX Runtime, measured on the worker's CPU when the search exported it
 * (the job's `search.latency`, docs/export.md "Latency"); null for an architecture not measured.
 */
const latencyFields = {
  latencyMs: nullable(T.Number({ description: "median batch-1 latency in ONNX Runtime on the worker's CPU, in ms" })),
  latencyP90Ms: nullable(T.Number({ description: "90th percentile (nearest rank) of the same timed runs, in ms" })),
  latencyThreads: nullable(T.Integer({ description: "ONNX Runtime intra-op threads it was measured with" })),
};

/** A front point with the final phase's figures and the measured latency (`GET /pareto`). */
export const ParetoPoint = T.Object({ ...Point.properties, ...latencyFields, ...trainedFields });

export const Candidate = T.Object({
  id: T.String(),
  accuracy: T.Number({ description: "top-1 validation accuracy with the weights inherited from the super-network" }),
  macs: T.Number(),
  params: T.Number(),
  generation: T.Integer(),
  ...latencyFields,
  ...trainedFields,
  arch: T.Optional(FreeObject),
});

export const CandidatesQuery = T.Object(
  {
    maxMacs: T.Optional(BigintBound("at most this many MACs")),
    minAccuracy: T.Optional(T.Number()),
    maxParams: T.Optional(BigintBound("at most this many parameters")),
    sort: T.Optional(literals(CANDIDATE_SORTS)),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: T.Optional(T.String({ maxLength: 500 })),
    arch: T.Optional(T.Boolean({ default: true, description: "include each candidate's vit-arch/v1 document" })),
  },
  { additionalProperties: false },
);

export const ScatterQuery = T.Object(
  { maxPoints: T.Optional(T.Integer({ minimum: 1, maximum: 20_000, default: 5000 })) },
  { additionalProperties: false },
);

export const Scatter = T.Object({
  total: T.Integer({ description: "candidates evaluated" }),
  downsampled: T.Boolean(),
  front: T.Array(Point),
  others: T.Array(
    T.Object({ ...Point.properties, count: T.Integer({ description: "candidates this point stands for" }) }),
  ),
});

export const Fronts = T.Object({
  items: T.Array(T.Object({ generation: T.Integer(), hypervolume: nullable(T.Number()), points: T.Array(Point) })),
});

export const MetricsQuery = T.Object(
  {
    maxPoints: T.Optional(T.Integer({ minimum: 1, maximum: 10_000, default: 500 })),
    phase: T.Optional(
      T.Union([T.Literal("supernet"), T.Literal("final")], {
        default: "supernet",
        description: "the super-network's training, or the final phase's trainings (one after the other)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const MetricSeries = T.Object({
  items: T.Array(
    T.Object({
      at: Timestamp,
      epoch: nullable(T.Number()),
      step: nullable(T.Number()),
      loss: nullable(T.Number()),
      imagesPerSec: nullable(T.Number()),
      count: T.Integer(),
    }),
  ),
});

export const Architecture = T.Object({
  id: T.String(),
  arch: FreeObject,
  metrics: T.Object({
    accuracy: T.Number({ description: "top-1 validation accuracy with the weights inherited from the super-network" }),
    macs: T.Number(),
    params: T.Number(),
    generation: T.Integer(),
    onFront: T.Boolean(),
    ...latencyFields,
    latencyRuns: nullable(T.Integer({ description: "timed runs behind the latency (after 5 warm-up runs)" })),
    latencyCpu: nullable(T.String({ description: "the CPU the latency was measured on" })),
    ...trainedFields,
    finalValAccuracy: nullable(
      T.Number({
        description: "the trained model's validation accuracy (the validation images were trained on with trainOnVal)",
      }),
    ),
  }),
});

export const DownloadQuery = T.Object(
  {
    weights: T.Optional(
      T.Union([T.Literal("trained"), T.Literal("inherited")], {
        description:
          "trained: the final phase's model (404 when it did not train this architecture), inherited: the weights " +
          "from the super-network; default: the trained model when there is one",
      }),
    ),
    format: T.Optional(
      T.Union([T.Literal("bundle"), T.Literal("onnx"), T.Literal("safetensors")], {
        description:
          "bundle: the whole export bundle as .tar.gz (default); onnx: the model as one ONNX file (opset 17, NCHW " +
          "input `images`, output `logits`, the normalisation in its metadata); safetensors: its weights as one " +
          "safetensors file. Both are converted from the bundle on request (docs/export.md)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const SessionBody = T.Object(
  { apiKey: T.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const Me = T.Object({
  team: T.Object({ id: T.String(), name: T.String() }),
  key: T.Object({ id: T.String(), name: T.String(), prefix: T.String() }),
});

/** The dashboard's session check: signed out is an answer, not an error (a browser logs every 401 it receives). */
export const SessionState = T.Object({
  signedIn: T.Boolean(),
  me: nullable(Me),
  /** Why the caller is signed out: no credentials, an expired session, a revoked key. */
  reason: T.Optional(T.String()),
});

/** GET /healthz: the process answers. */
export const Liveness = T.Object({ status: T.Literal("ok") });

/** GET /readyz: each dependency's check (a 503 carries the same checks as its `details`). */
export const Readiness = T.Object({
  status: T.Literal("ready"),
  checks: T.Record(
    T.String(),
    T.Object({
      ok: T.Boolean(),
      ms: T.Integer({ description: "how long it took to answer" }),
      error: T.Optional(T.String()),
    }),
  ),
});

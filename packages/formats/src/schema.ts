// The one schema source for the public formats: runtime validation, TypeScript types, API request validation and
// the OpenAPI document are all derived from these definitions. Defaults live here as `default` annotations and are
// applied by `withDefaults` (defaults.ts), never anywhere else; the few defaults that depend on other fields
// (performer features, stem padding, parents, the synthetic dataset's shape) are described here and derived there.
//
// The unions carry no `discriminator` keyword: Fastify's strict Ajv rejects it on `anyOf`. Validation reports a
// bad `type`/`kind` once by itself (validate.ts).
import { type Static, Type as T, type TSchema } from "@sinclair/typebox";

// Upper bounds keep every count far below 2^53, so MACs and parameters stay exact integers.
const Int = (opts: { minimum?: number; maximum?: number; default?: number; description?: string } = {}) =>
  T.Integer({ minimum: 1, maximum: 1_000_000, ...opts });
const closed = { additionalProperties: false } as const;

/** Space shrinking's scoring defaults: paired sub-networks per stage, validation images per sub-network. */
export const SHRINK_ARCHS = 4;
export const SHRINK_IMAGES = 512;

// ---------------------------------------------------------------------------------------------------------------
// Attention types (docs/model-conventions.md, "Attention cores"). One object schema per type, chosen by `type`.

export const ATTENTION_TYPES = [
  "softmax",
  "performer",
  "linformer",
  "nystrom",
  "fnet",
  "mixer",
  "castling",
  "xnorm",
] as const;
export type AttentionType = (typeof ATTENTION_TYPES)[number];

export const SoftmaxAttention = T.Object({ type: T.Literal("softmax") }, closed);
export const PerformerAttention = T.Object(
  {
    type: T.Literal("performer"),
    features: T.Optional(
      Int({ maximum: 65_536, description: "random features m; default floor(d ln d) for head dim d" }),
    ),
  },
  closed,
);
export const LinformerAttention = T.Object(
  {
    type: T.Literal("linformer"),
    k: T.Optional(Int({ maximum: 65_536, default: 64, description: "projected sequence length" })),
    shareKV: T.Optional(
      T.Union([T.Literal(true), T.Literal(false), T.Literal("projection"), T.Literal("kv")], {
        default: true,
        description:
          'true or "projection": K and V share the sequence projection E (false: E and F); "kv": V is K itself, ' +
          "one projection for both (Vision X-formers'); no v projection (docs/seed-settings.md)",
      }),
    ),
  },
  closed,
);
export const NystromAttention = T.Object(
  {
    type: T.Literal("nystrom"),
    landmarks: T.Optional(Int({ maximum: 4096, default: 64 })),
    iterations: T.Optional(Int({ maximum: 64, default: 6 })),
    convKernel: T.Optional(Int({ maximum: 1023, default: 33, description: "depthwise conv on V along tokens (odd)" })),
  },
  closed,
);
export const FNetAttention = T.Object({ type: T.Literal("fnet") }, closed);
export const MixerAttention = T.Object(
  {
    type: T.Literal("mixer"),
    expansion: T.Optional(
      T.Number({
        exclusiveMinimum: 0,
        maximum: 64,
        default: 0.5,
        description: "hidden = max(1, floor(expansion * N)); 1 is MLP-Mixer's and Vision X-formers' N -> N -> N",
      }),
    ),
  },
  closed,
);
export const CastlingAttention = T.Object(
  {
    type: T.Literal("castling"),
    convKernel: T.Optional(Int({ maximum: 1023, default: 9, description: "depthwise conv on V along tokens (odd)" })),
  },
  closed,
);
export const XNormAttention = T.Object({ type: T.Literal("xnorm") }, closed);

export const AttentionSchema = T.Union(
  [
    SoftmaxAttention,
    PerformerAttention,
    LinformerAttention,
    NystromAttention,
    FNetAttention,
    MixerAttention,
    CastlingAttention,
    XNormAttention,
  ],
  { $id: "Attention", title: "attention", description: "one attention type, chosen by `type`" },
);
export type AttentionInput = Static<typeof AttentionSchema>;

// ---------------------------------------------------------------------------------------------------------------
// vit-arch/v1

export const Input = T.Object(
  {
    imageSize: Int({ maximum: 4096, description: "square input images, pixels per side" }),
    channels: T.Optional(Int({ maximum: 64, default: 3 })),
    classes: Int({ minimum: 2, maximum: 100_000 }),
  },
  closed,
);
export type Input = Static<typeof Input>;

export const StemConv = T.Object(
  {
    out: Int({ maximum: 16_384 }),
    kernel: Int({ maximum: 64 }),
    stride: T.Optional(Int({ maximum: 64, default: 1 })),
    padding: T.Optional(T.Integer({ minimum: 0, maximum: 64, description: "default floor(kernel/2)" })),
    norm: T.Optional(T.Union([T.Literal("batch"), T.Literal("none")], { default: "none" })),
    act: T.Optional(T.Union([T.Literal("relu"), T.Literal("gelu"), T.Literal("none")], { default: "none" })),
  },
  closed,
);
export type StemConv = Static<typeof StemConv>;

export const StemResidual = T.Object(
  {
    residual: T.Array(StemConv, {
      minItems: 1,
      maxItems: 16,
      description: "convs whose output is added to their input",
    }),
  },
  closed,
);
export type StemResidual = Static<typeof StemResidual>;

export const Patch = T.Object(
  {
    kernel: Int({ maximum: 256 }),
    stride: Int({ maximum: 256 }),
    padding: T.Optional(T.Integer({ minimum: 0, maximum: 256, default: 0 })),
  },
  closed,
);
export type Patch = Static<typeof Patch>;

export const Stem = T.Object(
  {
    convs: T.Optional(T.Array(T.Union([StemConv, StemResidual]), { maxItems: 16, default: [] })),
    patch: Patch,
  },
  closed,
);
export type Stem = Static<typeof Stem>;

const POSITION_DESCRIPTION =
  'learned embeddings, 2-D rotary ("rope": rows and columns), 1-D rotary over the raster order ("rope1d", ' +
  "Vision X-formers') or none";
export const Position = T.Union([T.Literal("learned"), T.Literal("rope"), T.Literal("rope1d"), T.Literal("none")], {
  description: POSITION_DESCRIPTION,
});
export type Position = Static<typeof Position>;
const REDUCTION_DESCRIPTION =
  "into this stage (ignored on stage 0): residual (ViT-ResNAS's: strided conv plus a pooled skip, tokens / 4), " +
  "conv (the same conv path without the skip: ViT-ResNAS's ablation), none (same tokens)";
export const Reduction = T.Union([T.Literal("residual"), T.Literal("conv"), T.Literal("none")], {
  description: REDUCTION_DESCRIPTION,
});
export type Reduction = Static<typeof Reduction>;

const Width = (opts: { description?: string } = {}) => Int({ maximum: 16_384, ...opts });
const HeadDim = () => Int({ maximum: 1024, description: "channels per head, fixed per stage" });
const Heads = () => Int({ maximum: 256 });
const MlpHidden = () => Int({ maximum: 65_536 });
const Depth = () => Int({ maximum: 64 });

export const Block = T.Object(
  {
    heads: Heads(),
    mlpHidden: MlpHidden(),
    attention: AttentionSchema,
    index: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 63,
        description:
          "the block's place among its stage's super-network blocks, whose weights it inherits (a space's " +
          "depthDrop other than last); default its place in this list; increasing along the stage",
      }),
    ),
  },
  closed,
);
export type Block = Static<typeof Block>;

export const Stage = T.Object(
  {
    width: Width(),
    headDim: HeadDim(),
    reduction: T.Optional(
      T.Union([T.Literal("residual"), T.Literal("conv"), T.Literal("none")], {
        default: "none",
        description: REDUCTION_DESCRIPTION,
      }),
    ),
    blocks: T.Array(Block, { minItems: 1, maxItems: 64 }),
  },
  closed,
);
export type Stage = Static<typeof Stage>;

export const VitArchSchema = T.Object(
  {
    format: T.Literal("vit-arch/v1"),
    input: Input,
    stem: Stem,
    position: T.Optional(
      T.Union([T.Literal("learned"), T.Literal("rope"), T.Literal("rope1d"), T.Literal("none")], {
        default: "learned",
        description: POSITION_DESCRIPTION,
      }),
    ),
    classToken: T.Optional(T.Boolean({ default: true })),
    stages: T.Array(Stage, { minItems: 1, maxItems: 8 }),
  },
  { ...closed, $id: "VitArch", title: "vit-arch/v1", description: "a Vision Transformer architecture" },
);
/** A `vit-arch/v1` document as written (optional fields may be missing). */
export type VitArchInput = Static<typeof VitArchSchema>;

// ---------------------------------------------------------------------------------------------------------------
// vit-space/v1

export const AttentionCandidate = T.Union([T.Union(ATTENTION_TYPES.map((t) => T.Literal(t))), AttentionSchema]);
export type AttentionCandidate = Static<typeof AttentionCandidate>;

const Choices = <S extends ReturnType<typeof Int>>(item: S) => T.Array(item, { minItems: 1, maxItems: 64 });

export const SpaceStage = T.Object(
  {
    widths: Choices(Width()),
    headDim: HeadDim(),
    depth: Choices(Depth()),
    heads: Choices(Heads()),
    mlpHidden: Choices(MlpHidden()),
    attention: T.Array(AttentionCandidate, { minItems: 1, maxItems: 64 }),
    reduction: T.Optional(T.Array(Reduction, { minItems: 1, maxItems: 3, default: ["none"] })),
    depthDrop: T.Optional(
      T.Union(
        [
          T.Literal("last"),
          T.Literal("any"),
          T.Array(T.Integer({ minimum: 0, maximum: 63 }), { minItems: 1, maxItems: 64, uniqueItems: true }),
        ],
        {
          default: "last",
          description:
            "which blocks a shallower sub-network drops: the last ones; any of them; or only these places " +
            "(0-based; ViT-ResNAS's are [1, 3, 5]). Kept blocks keep their place and weights (block.index)",
        },
      ),
    ),
  },
  closed,
);
export type SpaceStageInput = Static<typeof SpaceStage>;

export const VitSpaceSchema = T.Object(
  {
    format: T.Literal("vit-space/v1"),
    input: Input,
    stem: Stem,
    position: T.Optional(
      T.Union([Position, T.Array(Position, { minItems: 1, maxItems: 4 })], { default: ["learned"] }),
    ),
    classToken: T.Optional(T.Boolean({ default: true })),
    stages: T.Array(SpaceStage, { minItems: 1, maxItems: 8 }),
  },
  { ...closed, $id: "VitSpace", title: "vit-space/v1", description: "a search space of Vision Transformers" },
);
export type VitSpaceInput = Static<typeof VitSpaceSchema>;

// ---------------------------------------------------------------------------------------------------------------
// nas-search/v1

const Seed = () => T.Integer({ minimum: 0, maximum: 2 ** 32 - 1, default: 0 });

export const SyntheticDataset = T.Object(
  {
    kind: T.Literal("synthetic"),
    classes: T.Optional(Int({ minimum: 2, maximum: 100_000, description: "default: the space's input classes" })),
    imageSize: T.Optional(Int({ maximum: 4096, description: "default: the space's input imageSize" })),
    channels: T.Optional(Int({ maximum: 64, description: "default: the space's input channels" })),
    train: T.Optional(Int({ maximum: 10_000_000, default: 4000 })),
    val: T.Optional(Int({ maximum: 10_000_000, default: 1000 })),
    test: T.Optional(Int({ maximum: 10_000_000, default: 1000, description: "images of the test split" })),
    seed: T.Optional(Seed()),
  },
  closed,
);
/** CIFAR-10's and CIFAR-100's splits: 50,000 training images, a test file (held out of them when missing). */
const cifarSplits = (testFile: string) => ({
  train: T.Optional(Int({ maximum: 50_000, description: "use at most this many training images (default: all)" })),
  val: T.Optional(
    Int({ maximum: 49_999, default: 1000, description: "images held out of supernet training for the search" }),
  ),
  test: T.Optional(
    Int({
      maximum: 49_999,
      default: 1000,
      description: `only without ${testFile}: training images held out (after val) as the test split`,
    }),
  ),
  seed: T.Optional(Seed()),
});
export const Cifar10Dataset = T.Object(
  {
    kind: T.Literal("cifar10"),
    path: T.String({ minLength: 1, description: "directory holding data_batch_*.bin and test_batch.bin" }),
    ...cifarSplits("test_batch.bin"),
  },
  closed,
);
export const FolderDataset = T.Object(
  {
    kind: T.Literal("folder"),
    path: T.String({ minLength: 1, description: "one sub-directory of PNG/JPEG images per class" }),
    imageSize: T.Optional(
      Int({ maximum: 4096, description: "images are resized to imageSize x imageSize; default: the space's" }),
    ),
    val: T.Optional(
      T.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.2, description: "held-out fraction" }),
    ),
    testPath: T.Optional(
      T.String({ minLength: 1, description: "the test split: a second image folder with the same class names" }),
    ),
    test: T.Optional(
      T.Number({
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: 0.1,
        description: "without testPath: fraction held out as the test split, before the validation split",
      }),
    ),
    seed: T.Optional(Seed()),
  },
  closed,
);
const IdxFile = (what: string) =>
  T.Optional(T.String({ minLength: 1, description: `${what} file, relative to path or absolute (default: searched)` }));
export const IdxDataset = T.Object(
  {
    kind: T.Literal("idx"),
    path: T.String({
      minLength: 1,
      description: "directory of MNIST-style IDX files: train-images-idx3-ubyte, t10k-labels-idx1-ubyte... (.gz too)",
    }),
    trainImages: IdxFile("training images"),
    trainLabels: IdxFile("training labels"),
    testImages: IdxFile("test images"),
    testLabels: IdxFile("test labels"),
    train: T.Optional(
      Int({ maximum: 10_000_000, description: "use at most this many training images (default: all)" }),
    ),
    val: T.Optional(
      Int({ maximum: 10_000_000, default: 1000, description: "training images held out for the search" }),
    ),
    test: T.Optional(Int({ maximum: 10_000_000, description: "use at most this many test images (default: all)" })),
    imageSize: T.Optional(
      Int({ maximum: 4096, description: "bilinear resize target (PyTorch's convention); default: the space's" }),
    ),
    seed: T.Optional(Seed()),
  },
  closed,
);
export const Cifar100Dataset = T.Object(
  {
    kind: T.Literal("cifar100"),
    path: T.String({ minLength: 1, description: "directory holding CIFAR-100's binary train.bin and test.bin" }),
    labels: T.Optional(
      T.Union([T.Literal("fine"), T.Literal("coarse")], {
        default: "fine",
        description: "the 100 fine classes or the 20 coarse superclasses",
      }),
    ),
    ...cifarSplits("test.bin"),
  },
  closed,
);
export const NpzDataset = T.Object(
  {
    kind: T.Literal("npz"),
    path: T.String({
      minLength: 1,
      description: "a NumPy .npz of x_train, y_train (x_test, y_test), or a directory of those .npy files",
    }),
    train: T.Optional(
      Int({ maximum: 10_000_000, description: "use at most this many training images (default: all)" }),
    ),
    val: T.Optional(
      Int({ maximum: 10_000_000, default: 1000, description: "training images held out for the search" }),
    ),
    test: T.Optional(
      Int({
        maximum: 10_000_000,
        description: "with x_test: use at most this many (default: all); without: held out after val (default: 1000)",
      }),
    ),
    imageSize: T.Optional(Int({ maximum: 4096, description: "bilinear resize target (as idx); default: the space's" })),
    seed: T.Optional(Seed()),
  },
  closed,
);
/** The kinds an uploaded dataset can be detected as (docs/datasets.md). */
export const UPLOADED_FORMATS = ["cifar10", "cifar100", "folder", "idx", "npz"] as const;
export const UploadedDataset = T.Object(
  {
    kind: T.Literal("uploaded"),
    id: T.String({
      pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
      description: "a dataset uploaded to the service (POST /v1/datasets)",
    }),
    train: T.Optional(
      Int({ maximum: 10_000_000, description: "use at most this many training images (not for folder uploads)" }),
    ),
    val: T.Optional(
      T.Number({
        exclusiveMinimum: 0,
        maximum: 10_000_000,
        description: "as the detected kind takes it: a fraction for folder uploads, else a count",
      }),
    ),
    test: T.Optional(
      T.Number({
        exclusiveMinimum: 0,
        maximum: 10_000_000,
        description: "as the detected kind takes it: a fraction for folder uploads, else a count",
      }),
    ),
    imageSize: T.Optional(Int({ maximum: 4096, description: "resize target; default: the space's" })),
    labels: T.Optional(
      T.Union([T.Literal("fine"), T.Literal("coarse")], { description: "cifar100 uploads: default fine" }),
    ),
    seed: T.Optional(Seed()),
    sha256: T.Optional(
      T.String({ pattern: "^[0-9a-f]{64}$", description: "set by the service at submission: the upload's digest" }),
    ),
    format: T.Optional(
      T.Union(
        UPLOADED_FORMATS.map((f) => T.Literal(f)),
        { description: "set by the service at submission: the kind detected at upload" },
      ),
    ),
  },
  closed,
);
export const DatasetSchema = T.Union(
  [SyntheticDataset, Cifar10Dataset, FolderDataset, IdxDataset, Cifar100Dataset, NpzDataset, UploadedDataset],
  {
    $id: "Dataset",
    title: "dataset",
    description: "the images to search on, chosen by `kind`",
  },
);
export type DatasetInput = Static<typeof DatasetSchema>;

export const AugmentConfig = T.Object(
  {
    flip: T.Optional(
      T.Union([T.Literal("auto"), T.Boolean()], {
        default: "auto",
        description:
          "random horizontal flips (false for digits and characters); auto: from 30 epochs on, where they pay back",
      }),
    ),
    shift: T.Optional(
      T.Union([T.Literal("auto"), T.Integer({ minimum: 0, maximum: 1024 })], {
        default: "auto",
        description: "largest random shift in pixels (zero fill); auto grows with the training budget",
      }),
    ),
  },
  { ...closed, default: {} },
);

export const SupernetConfig = T.Object(
  {
    epochs: T.Optional(Int({ maximum: 10_000, default: 4 })),
    batchSize: T.Optional(Int({ maximum: 65_536, default: 64 })),
    archsPerStep: T.Optional(Int({ maximum: 1024, default: 4, description: "sub-networks per step (sub-batches)" })),
    learningRate: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 10, default: 0.001 })),
    weightDecay: T.Optional(T.Number({ minimum: 0, maximum: 10, default: 0.05 })),
    warmupEpochs: T.Optional(T.Number({ minimum: 0, default: 1, description: "linear learning-rate warm-up" })),
    candidateWarmupEpochs: T.Optional(
      T.Number({ minimum: 0, default: 1, description: "epochs until every candidate option is sampled" }),
    ),
    labelSmoothing: T.Optional(T.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.1 })),
    attentionWarmupEpochs: T.Optional(
      Int({
        minimum: 0,
        default: 0,
        description:
          "epochs in which every block runs its stage's first attention type; then every type is sampled, and each " +
          "type's own weights (per-type, per-type-block) start from the first type's trained ones",
      }),
    ),
    attentionShrink: T.Optional(
      T.Object(
        {
          epoch: Int({
            description: "after this many epochs each stage's attention types are scored and the weakest dropped",
          }),
          keep: Int({ description: "attention types each stage keeps (a stage with no more keeps all)" }),
          archs: T.Optional(
            Int({
              maximum: 64,
              default: SHRINK_ARCHS,
              description: "paired sub-networks that score each type (per stage)",
            }),
          ),
          images: T.Optional(
            Int({
              maximum: 100_000,
              default: SHRINK_IMAGES,
              description: "validation images each scoring sub-network reads",
            }),
          ),
        },
        {
          ...closed,
          description:
            "space shrinking: from `epoch` on only the `keep` best attention types of each stage are trained and " +
            "searched, scored by inherited validation accuracy against MACs (docs/training-recipe.md)",
        },
      ),
    ),
    init: T.Optional(
      T.Union([T.Literal("fan-in"), T.Literal("trunc-normal")], {
        default: "fan-in",
        description:
          "layer weights start uniform within 1/sqrt(fan-in) (PyTorch's defaults) or normal(0, 0.02) (ViT/DeiT's, for long schedules)",
      }),
    ),
    augment: T.Optional(AugmentConfig),
    attentionWeights: T.Optional(
      T.Union([T.Literal("per-type"), T.Literal("per-type-block"), T.Literal("shared")], {
        // On whole batches shared weights ranked 32 architectures of Fashion-MNIST best (Kendall tau 0.715 against
        // 0.606 for per-type blocks) and hold one set per block (docs/ranking-fidelity.md).
        default: "shared",
        description:
          "each attention type its own q/k/v and output projection per block (per-type), its own whole block: " +
          "norms, projections and MLP (per-type-block), or one set shared by every type",
      }),
    ),
    tokenWeights: T.Optional(
      T.Union([T.Literal("per-grid"), T.Literal("shared")], {
        default: "per-grid",
        description:
          "weights indexed by token position (mixer's token MLP, linformer's projections) held once per token grid a " +
          "stage can have (per-grid: a stage reached with and without a reduction has one copy per grid), or one " +
          "copy whose leading rows every grid reads (shared)",
      }),
    ),
    archBatch: T.Optional(
      T.Union([T.Literal("split"), T.Literal("whole")], {
        // Whole batches halved the real-data search's gap to training alone (docs/training-recipe.md) and ranked
        // better than split ones in both draws of architectures (docs/ranking-fidelity.md).
        default: "whole",
        description:
          "the images each sub-network of a step trains on: a share of the batch (ViT-ResNAS's multi-architecture " +
          "sampling) or the whole batch (BigNAS, Once-for-All: archsPerStep times the work per step)",
      }),
    ),
    sandwich: T.Optional(
      T.Boolean({
        default: true,
        description: "every step trains the largest and the smallest sub-network besides the sampled ones",
      }),
    ),
    distill: T.Optional(
      T.Boolean({
        default: true,
        description: "in-place distillation: the other sub-networks also learn the largest one's predictions",
      }),
    ),
    castlingBranch: T.Optional(
      T.Union([T.Literal("off"), T.Object({ until: T.Number({ exclusiveMinimum: 0, maximum: 1 }) }, closed)], {
        default: { until: 0.5 },
        description:
          "castling's training-only masked-softmax branch: weight 1 at the start, linearly to 0 at this fraction " +
          "of training (then 0), or off (docs/seed-settings.md)",
      }),
    ),
    checkpointEverySteps: T.Optional(Int({ default: 50 })),
    from: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 100,
        description:
          "search on a trained super-network of the team instead of training one: its id, or the id of the search " +
          "that trained (or reused) it; the space must be the same (docs/supernet-reuse.md)",
      }),
    ),
    reuse: T.Optional(
      T.Union([T.Literal("never"), T.Literal("auto")], {
        description:
          "auto: search on the team's newest super-network trained on the same space, dataset and recipe when there " +
          "is one, else train (default: never)",
      }),
    ),
  },
  { ...closed, default: {} },
);

export const Bounds = T.Object(
  { min: T.Optional(T.Number({ minimum: 0 })), max: T.Optional(T.Number({ minimum: 0 })) },
  closed,
);
export const SearchConfig = T.Object(
  {
    population: T.Optional(Int({ maximum: 100_000, default: 32, description: "random architectures in generation 0" })),
    generations: T.Optional(T.Integer({ minimum: 0, maximum: 10_000, default: 6 })),
    parents: T.Optional(
      Int({ maximum: 100_000, description: "top-k parents per generation (default max(1, floor(population/2)))" }),
    ),
    mutationProb: T.Optional(T.Number({ minimum: 0, maximum: 1, default: 0.3 })),
    crossoverProb: T.Optional(T.Number({ minimum: 0, maximum: 1, default: 0.5 })),
    constraints: T.Optional(
      T.Object({ macs: T.Optional(Bounds), params: T.Optional(Bounds) }, { ...closed, default: {} }),
    ),
    strategy: T.Optional(
      T.Union([T.Literal("nsga2"), T.Literal("resnas")], {
        default: "nsga2",
        description:
          "parents: the best by non-dominated sorting and crowding (nsga2), or the most accurate with children " +
          "redrawn until their MACs are within [0.975, 1] x constraints.macs.max, which it needs (resnas, " +
          "ViT-ResNAS's; docs/seed-settings.md)",
      }),
    ),
    latency: T.Optional(
      T.Object(
        {
          measure: T.Optional(
            T.Boolean({
              default: true,
              description: "measure each front architecture's batch-1 latency in ONNX Runtime on the worker's CPU",
            }),
          ),
          threads: T.Optional(Int({ maximum: 256, default: 1, description: "ONNX Runtime intra-op threads" })),
          runs: T.Optional(
            Int({ maximum: 10_000, default: 50, description: "timed runs per architecture (after 5 warm-up runs)" }),
          ),
          maxMs: T.Optional(
            T.Number({
              exclusiveMinimum: 0,
              description:
                "a constraint on the front: architectures whose median latency exceeds it are left out of the front, " +
                'which is then drawn from the other candidates (docs/export.md, "Latency")',
            }),
          ),
        },
        { ...closed, default: {} },
      ),
    ),
  },
  { ...closed, default: {} },
);

export const FinalConfig = T.Object(
  {
    top: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 64,
        default: 0,
        description: "front architectures trained as standalone models after the search (0: none)",
      }),
    ),
    mode: T.Optional(
      T.Union([T.Literal("finetune"), T.Literal("scratch")], {
        default: "finetune",
        description: "start from the inherited super-network weights (Once-for-All) or from scratch (ViT-ResNAS)",
      }),
    ),
    epochs: T.Optional(
      Int({
        maximum: 10_000,
        description: "default: the super-network's epochs from scratch, a quarter of them (at least 1) to fine-tune",
      }),
    ),
    learningRate: T.Optional(
      T.Number({
        exclusiveMinimum: 0,
        maximum: 10,
        description: "default: the super-network's from scratch, a quarter of it to fine-tune",
      }),
    ),
    trainOnVal: T.Optional(
      T.Boolean({
        default: true,
        description: "train on the training and validation images (the test split measures the result)",
      }),
    ),
    train: T.Optional(
      Int({
        maximum: 10_000_000,
        description:
          "training images for the final phase and the baselines (default: the search's dataset.train): search on " +
          "a subset, train the winners on more; for dataset kinds that take a train count",
      }),
    ),
  },
  { ...closed, default: {} },
);

/**
 * A copy of a schema without `$id`s, to embed it where the document already holds the same ids (the job's space
 * embeds `Attention` too): one document may name an id once.
 */
function withoutIds(schema: TSchema): TSchema {
  return JSON.parse(JSON.stringify(schema), (key, value) => (key === "$id" ? undefined : value));
}

export const BaselinesConfig = T.Object(
  {
    builtin: T.Optional(
      T.Array(T.Union([T.Literal("smallest"), T.Literal("median"), T.Literal("largest")]), {
        uniqueItems: true,
        maxItems: 3,
        default: [],
        description: "the space's uniform architectures (every choice at its smallest, median or largest; softmax)",
      }),
    ),
    archs: T.Optional(
      T.Array(T.Unsafe<VitArchInput>(withoutIds(VitArchSchema)), {
        maxItems: 16,
        default: [],
        description: "reference architectures of your own (vit-arch/v1), trained like the final phase's",
      }),
    ),
  },
  { ...closed, default: {} },
);

export const NasSearchSchema = T.Object(
  {
    format: T.Literal("nas-search/v1"),
    name: T.Optional(T.String({ minLength: 1, maxLength: 200, default: "search" })),
    space: VitSpaceSchema,
    dataset: DatasetSchema,
    supernet: T.Optional(SupernetConfig),
    search: T.Optional(SearchConfig),
    final: T.Optional(FinalConfig),
    baselines: T.Optional(BaselinesConfig),
    seed: T.Optional(T.Integer({ minimum: 0, maximum: 2 ** 32 - 1, default: 1 })),
    priority: T.Optional(
      T.Union([T.Literal("low"), T.Literal("normal"), T.Literal("high")], {
        description:
          "the search's place among its team's queued searches (default normal); teams' searches interleave " +
          'whatever their priorities (docs/deployment.md, "Fairness between teams")',
      }),
    ),
  },
  { ...closed, $id: "NasSearch", title: "nas-search/v1", description: "a neural architecture search job" },
);
export type NasSearchInput = Static<typeof NasSearchSchema>;

/** The three public formats, by their `format` field. */
export const FORMATS = ["vit-arch/v1", "vit-space/v1", "nas-search/v1"] as const;
export type FormatName = (typeof FORMATS)[number];

/**
 * Every schema with an `$id`, in an order Fastify's `addSchema` accepts (referenced ones first). Routes refer to
 * them as `{ $ref: "NasSearch#" }`; @fastify/swagger lists them as components (its `refResolver` option can name
 * them by `$id`). Fastify's default Ajv options do not suit them: `removeAdditional` would drop unknown fields
 * instead of rejecting them, and `useDefaults` with strict mode rejects the defaults inside union alternatives. Use
 * `ajv: { customOptions: { removeAdditional: false, useDefaults: false } }`, then `validateJob` for the semantic
 * checks and the complete document.
 */
export const PUBLIC_SCHEMAS = [AttentionSchema, DatasetSchema, VitArchSchema, VitSpaceSchema, NasSearchSchema] as const;

/** The public schemas as plain JSON objects (TypeBox's symbol-keyed markers dropped), e.g. to publish as files. */
export const publicJsonSchemas = (): Record<string, unknown>[] =>
  PUBLIC_SCHEMAS.map((schema) => JSON.parse(JSON.stringify(schema)));

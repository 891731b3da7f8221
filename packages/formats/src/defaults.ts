// Fills every default of a structurally valid document, so what validation returns is complete (types.ts).
// Plain defaults come from the schema's `default` annotations; the derived ones are filled here, after them.
import { defaultPerformerFeatures } from "./attention";
import {
  type AttentionCandidate,
  type AttentionInput,
  AttentionSchema,
  type NasSearchInput,
  NasSearchSchema,
  type VitArchInput,
  VitArchSchema,
  type VitSpaceInput,
  VitSpaceSchema,
} from "./schema";
import type { AttentionSpec, NasSearch, StemSpec, VitArch, VitSpace } from "./types";

type Schema = {
  default?: unknown;
  anyOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  type?: string;
  const?: unknown;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** A deep copy of JSON data. */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
  return value;
}

/** The alternative of a union a (structurally valid) value belongs to: its type, its constants, its fields. */
function alternative(anyOf: Schema[], value: unknown): Schema | undefined {
  if (Array.isArray(value)) return anyOf.find((s) => s.type === "array");
  if (!isRecord(value)) return undefined;
  return anyOf
    .flatMap((s) => (s.anyOf ? s.anyOf : [s]))
    .find(
      (s) =>
        s.type === "object" &&
        Object.entries(s.properties ?? {}).every(([k, p]) => !("const" in p) || p.const === value[k]) &&
        (s.required ?? []).every((k) => k in value),
    );
}

/**
 * A copy of `value` with the schema's `default` annotations filled in wherever a field is missing. Walks the schema
 * by hand rather than through TypeBox's Value.Default, which checks every union alternative and is ~30x slower.
 */
function annotated<T>(schema: Schema, value: unknown): T {
  return fill(schema, value) as T;
}

function fill(schema: Schema, value: unknown): unknown {
  if (value === undefined) return "default" in schema ? fill(schema, copy(schema.default)) : undefined;
  if (schema.anyOf) {
    const branch = alternative(schema.anyOf, value);
    return branch ? fill(branch, value) : copy(value);
  }
  if (Array.isArray(value)) return value.map((v) => (schema.items ? fill(schema.items, v) : copy(v)));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const property = schema.properties?.[key];
    out[key] = property ? fill(property, v) : copy(v);
  }
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (out[key] === undefined && "default" in property) out[key] = fill(property, undefined);
  }
  return out;
}

/** Stem convs default to "same" padding, floor(kernel/2). */
function completeStem(stem: StemSpec): StemSpec {
  for (const entry of stem.convs) {
    for (const conv of "residual" in entry ? entry.residual : [entry]) {
      conv.padding ??= Math.floor(conv.kernel / 2);
    }
  }
  return stem;
}

/** Derived attention defaults, in place: performer's features from the head dimension; one spelling per meaning. */
function deriveAttention(spec: AttentionSpec, headDim: number): AttentionSpec {
  if (spec.type === "performer") spec.features ??= defaultPerformerFeatures(headDim);
  // "projection" is the boolean's meaning spelt out: one complete form, so one canonical id (docs/seed-settings.md).
  if (spec.type === "linformer" && (spec.shareKV as unknown) === "projection") spec.shareKV = true;
  return spec;
}

/** An attention with every parameter: schema defaults, then those that depend on the stage's head dimension. */
export function completeAttention(attention: AttentionInput | AttentionCandidate, headDim: number): AttentionSpec {
  const spec = annotated<AttentionSpec>(
    AttentionSchema,
    typeof attention === "string" ? { type: attention } : attention,
  );
  return deriveAttention(spec, headDim);
}

export function completeArch(doc: VitArchInput): VitArch {
  const arch = annotated<VitArch>(VitArchSchema, doc);
  completeStem(arch.stem);
  for (const stage of arch.stages) {
    for (const { attention } of stage.blocks) deriveAttention(attention, stage.headDim);
  }
  return arch;
}

/** Derived defaults of a space whose annotated defaults are filled. */
function deriveSpace(
  raw: Omit<VitSpace, "position"> & { position: VitSpace["position"] | VitSpace["position"][number] },
) {
  completeStem(raw.stem);
  for (const stage of raw.stages) {
    stage.attention = stage.attention.map((a) => completeAttention(a as AttentionCandidate, stage.headDim));
  }
  return { ...raw, position: Array.isArray(raw.position) ? raw.position : [raw.position] };
}

export function completeSpace(doc: VitSpaceInput): VitSpace {
  return deriveSpace(annotated(VitSpaceSchema, doc));
}

export function completeJob(doc: NasSearchInput): NasSearch {
  const job = annotated<NasSearch>(NasSearchSchema, doc);
  job.space = deriveSpace(job.space);
  const input = job.space.input;
  const dataset = job.dataset;
  // The synthetic dataset takes the shape the space expects, the others that resize their images its image size,
  // unless they state their own.
  if (dataset.kind === "synthetic") {
    dataset.classes ??= input.classes;
    dataset.imageSize ??= input.imageSize;
    dataset.channels ??= input.channels;
  } else if (
    dataset.kind === "folder" ||
    dataset.kind === "idx" ||
    dataset.kind === "npz" ||
    dataset.kind === "uploaded"
  ) {
    dataset.imageSize ??= input.imageSize;
  }
  job.search.parents ??= Math.max(1, Math.floor(job.search.population / 2));
  job.baselines.archs = job.baselines.archs.map((arch) => completeArch(arch));
  // Fine-tuning starts from trained weights: a quarter of the budget and of the peak learning rate.
  const finetune = job.final.mode === "finetune";
  job.final.epochs ??= finetune ? Math.max(1, Math.round(job.supernet.epochs / 4)) : job.supernet.epochs;
  job.final.learningRate ??= finetune ? job.supernet.learningRate / 4 : job.supernet.learningRate;
  return job;
}

/**
 * The complete form of a structurally valid document, by its `format`: every default filled. Call it on documents
 * that passed structural validation (validate.ts does); on anything else the result is unspecified.
 */
export function withDefaults(doc: VitArchInput): VitArch;
export function withDefaults(doc: VitSpaceInput): VitSpace;
export function withDefaults(doc: NasSearchInput): NasSearch;
export function withDefaults(doc: VitArchInput | VitSpaceInput | NasSearchInput): VitArch | VitSpace | NasSearch {
  switch (doc.format) {
    case "vit-arch/v1":
      return completeArch(doc);
    case "vit-space/v1":
      return completeSpace(doc);
    case "nas-search/v1":
      return completeJob(doc);
  }
}

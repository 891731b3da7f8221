// Fills every default of a structurally valid document, so what validation returns is complete (types.ts).
// Plain defaults come from the schema's `default` annotations; the derived ones are filled here, after them.
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
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

/** A deep copy of `value` with the schema's `default` annotations filled in (never mutates its argument). */
function annotated<T>(schema: TSchema, value: unknown): T {
  return Value.Default(schema, structuredClone(value)) as T;
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

/** An attention with every parameter: schema defaults, then those that depend on the stage's head dimension. */
export function completeAttention(attention: AttentionInput | AttentionCandidate, headDim: number): AttentionSpec {
  const spec = annotated<AttentionSpec>(
    AttentionSchema,
    typeof attention === "string" ? { type: attention } : attention,
  );
  if (spec.type === "performer") spec.features ??= defaultPerformerFeatures(headDim);
  return spec;
}

export function completeArch(doc: VitArchInput): VitArch {
  const arch = annotated<VitArch>(VitArchSchema, doc);
  completeStem(arch.stem);
  for (const stage of arch.stages) {
    for (const block of stage.blocks) block.attention = completeAttention(block.attention, stage.headDim);
  }
  return arch;
}

export function completeSpace(doc: VitSpaceInput): VitSpace {
  const raw = annotated<Omit<VitSpace, "position"> & { position: VitSpace["position"] | VitSpace["position"][number] }>(
    VitSpaceSchema,
    doc,
  );
  completeStem(raw.stem);
  for (const stage of raw.stages) {
    stage.attention = stage.attention.map((a) => completeAttention(a as AttentionCandidate, stage.headDim));
  }
  return { ...raw, position: Array.isArray(raw.position) ? raw.position : [raw.position] };
}

export function completeJob(doc: NasSearchInput): NasSearch {
  const job = annotated<NasSearch>(NasSearchSchema, doc);
  job.space = completeSpace(doc.space);
  const input = job.space.input;
  const dataset = job.dataset;
  // The synthetic and folder datasets take the shape the space expects unless they state their own.
  if (dataset.kind === "synthetic") {
    dataset.classes ??= input.classes;
    dataset.imageSize ??= input.imageSize;
    dataset.channels ??= input.channels;
  } else if (dataset.kind === "folder") {
    dataset.imageSize ??= input.imageSize;
  }
  job.search.parents ??= Math.max(1, Math.floor(job.search.population / 2));
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

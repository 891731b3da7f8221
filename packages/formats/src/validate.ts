// Validation of the public formats: structure (Ajv over the schemas), then defaults, then the semantic checks, all
// problems reported together. It never throws: whatever it is given, it returns a result.
import type { TSchema } from "@sinclair/typebox";
import { completeArch, completeJob, completeSpace } from "./defaults";
import {
  FORMATS,
  type FormatName,
  type NasSearchInput,
  NasSearchSchema,
  type VitArchInput,
  VitArchSchema,
  type VitSpaceInput,
  VitSpaceSchema,
} from "./schema";
import { archIssues, jobIssues, spaceIssues } from "./semantics";
import { structuralIssues } from "./structure";
import type { NasSearch, ValidationIssue, ValidationResult, VitArch, VitSpace } from "./types";

/** The message of the issue reported when validation itself failed; tests assert it never appears. */
export const INTERNAL_FAILURE = "could not be validated";

function validateWith<I, T>(
  schema: TSchema,
  doc: unknown,
  complete: (input: I) => T,
  semantic: (value: T) => ValidationIssue[],
): ValidationResult<T> {
  try {
    const structural = structuralIssues(schema, doc);
    if (structural.length > 0) return { ok: false, errors: structural };
    const value = complete(doc as I);
    const errors = semantic(value);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
  } catch (err) {
    return { ok: false, errors: [{ path: "", message: `${INTERNAL_FAILURE}: ${(err as Error)?.message ?? err}` }] };
  }
}

/** A `vit-arch/v1` document, complete when valid. */
export const validateArch = (doc: unknown): ValidationResult<VitArch> =>
  validateWith<VitArchInput, VitArch>(VitArchSchema, doc, completeArch, archIssues);

/** A `vit-space/v1` document, complete when valid. */
export const validateSpace = (doc: unknown): ValidationResult<VitSpace> =>
  validateWith<VitSpaceInput, VitSpace>(VitSpaceSchema, doc, completeSpace, spaceIssues);

/** A `nas-search/v1` document, complete (its space too) when valid. */
export const validateJob = (doc: unknown): ValidationResult<NasSearch> =>
  validateWith<NasSearchInput, NasSearch>(NasSearchSchema, doc, completeJob, jobIssues);

export type DocumentValidation =
  | { format: "vit-arch/v1"; result: ValidationResult<VitArch> }
  | { format: "vit-space/v1"; result: ValidationResult<VitSpace> }
  | { format: "nas-search/v1"; result: ValidationResult<NasSearch> }
  | { format: undefined; result: { ok: false; errors: ValidationIssue[] } };

/** Validates a document of any of the three formats, chosen by its `format` field. */
export function validateDocument(doc: unknown): DocumentValidation {
  const format =
    doc !== null && typeof doc === "object" && !Array.isArray(doc) ? (doc as { format?: unknown }).format : undefined;
  switch (format) {
    case "vit-arch/v1":
      return { format, result: validateArch(doc) };
    case "vit-space/v1":
      return { format, result: validateSpace(doc) };
    case "nas-search/v1":
      return { format, result: validateJob(doc) };
  }
  const known = FORMATS.map((f) => `"${f}"`).join(", ");
  const message =
    doc === null || typeof doc !== "object" || Array.isArray(doc)
      ? `must be a JSON object with a "format" field, one of ${known}`
      : format === undefined
        ? `is required: one of ${known}`
        : `unknown format ${JSON.stringify(format)}: must be one of ${known}`;
  const path = doc !== null && typeof doc === "object" && !Array.isArray(doc) ? "format" : "";
  return { format: undefined, result: { ok: false, errors: [{ path, message }] } };
}

/** The format names a document can have. */
export const isFormatName = (value: unknown): value is FormatName => FORMATS.includes(value as FormatName);

/** One `path: message` line per issue (`(document)` for the document itself). */
export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path || "(document)"}: ${i.message}`).join("\n");
}

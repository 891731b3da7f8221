// An architecture's stored bundle converted on request to ONNX or safetensors with packages/export (docs/export.md):
// bundles hold only the tfjs weights, since converting every front bundle during a search would slow every search
// for files most users never fetch. The files are copied (digest-checked) to a scratch directory and loaded there.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ArtifactRecord } from "@vitnas/db";
import { type ArtifactReader, copyBundle } from "./bundle-archive";

export const MODEL_FORMATS = ["onnx", "safetensors"] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

export interface ConvertedModel {
  bytes: Buffer;
  sha256: string;
}

/** The bundle cannot be converted (missing or unreadable files, a model the exporter refuses). */
export class UnconvertibleBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnconvertibleBundleError";
  }
}

let backend: Promise<unknown> | undefined;

export async function convertBundle(
  store: ArtifactReader,
  archId: string,
  files: ArtifactRecord[],
  format: ModelFormat,
  fileName: string,
): Promise<ConvertedModel> {
  // Loaded on first use, so an API that never converts never loads tfjs.
  const { initBackend } = await import("@vitnas/supernet");
  const { exportBundle } = await import("@vitnas/export");
  // The plain JavaScript backend: exporting only copies numbers out of tensors, and it starts at once.
  backend ??= initBackend({ force: "cpu", log: null });
  await backend;
  const dir = await mkdtemp(join(tmpdir(), "vitnas-convert-"));
  try {
    const { root } = await copyBundle(store, archId, files, dir);
    let converted: Awaited<ReturnType<typeof exportBundle>>;
    try {
      converted = await exportBundle(root, { format, file: fileName });
    } catch (err) {
      throw new UnconvertibleBundleError(`cannot convert the bundle to ${format}: ${(err as Error).message}`);
    }
    return { bytes: Buffer.from(converted.bytes), sha256: converted.sha256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

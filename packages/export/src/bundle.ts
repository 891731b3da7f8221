// Exports a model directory on disk (a bundle: arch.json, weights.json, weights.bin, preprocessing.json) in memory:
// the CLI writes the result to a file, the API sends it as a download (docs/export.md, "Exporting a bundle").
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { StandaloneModel } from "@vitnas/supernet";
import { exportOnnx, type OnnxOptions } from "./onnx/export";
import type { ExportPreprocessing, TrainingInput } from "./preprocessing";
import { exportSafetensors } from "./safetensors";
import type { ExportFormat } from "./write";

export interface BundleExport {
  bytes: Uint8Array;
  sha256: string;
  preprocessing: ExportPreprocessing;
}

/** Normalisation and class names from a bundle's preprocessing.json (or an export's, or a bare one), or why not. */
export function trainingInputOf(doc: unknown): TrainingInput | string {
  const d = (doc ?? {}) as { normalization?: unknown; pixels?: { normalization?: unknown }; classNames?: unknown };
  const n = (d.normalization ?? d.pixels?.normalization) as { mean?: unknown; std?: unknown } | undefined;
  const numbers = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((v) => typeof v === "number");
  if (!n || !numbers(n.mean) || !numbers(n.std)) return "no normalization { mean: [...], std: [...] }";
  const classNames = d.classNames;
  if (classNames !== undefined && !(Array.isArray(classNames) && classNames.every((c) => typeof c === "string"))) {
    return "classNames is not a list of strings";
  }
  return {
    normalization: { mean: n.mean as number[], std: n.std as number[] },
    ...(classNames ? { classNames: classNames as string[] } : {}),
  };
}

/**
 * The bundle in `dir` as `format`, built in memory. Needs a tfjs backend (the plain `cpu` one is enough: exporting
 * only copies numbers out of tensors). Throws with the reason when the bundle is incomplete or cannot be exported.
 */
export async function exportBundle(
  dir: string,
  opts: { format: ExportFormat; file: string } & Omit<OnnxOptions, "file">,
): Promise<BundleExport> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(join(dir, "preprocessing.json"), "utf8"));
  } catch (err) {
    throw new Error(`cannot read the bundle's preprocessing.json: ${(err as Error).message}`);
  }
  const training = trainingInputOf(doc);
  if (typeof training === "string") throw new Error(`preprocessing.json: ${training}`);
  const model = await StandaloneModel.load(dir);
  try {
    const { bytes, preprocessing } =
      opts.format === "onnx" ? exportOnnx(model, training, opts) : exportSafetensors(model, training, opts);
    return { bytes, sha256: createHash("sha256").update(bytes).digest("hex"), preprocessing };
  } finally {
    model.dispose();
  }
}

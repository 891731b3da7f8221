// Writes an export: the model file, then `preprocessing.json` beside it, each atomically (atomic-file.ts).
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import type { StandaloneModel } from "@vitnas/supernet";
import { writeFileAtomic } from "./atomic-file";
import { exportOnnx, type OnnxOptions } from "./onnx/export";
import type { ExportPreprocessing, TrainingInput } from "./preprocessing";
import { exportSafetensors } from "./safetensors";

export type ExportFormat = "onnx" | "safetensors";

export interface WrittenExport {
  format: ExportFormat;
  path: string;
  bytes: number;
  sha256: string;
  preprocessingPath: string;
  preprocessing: ExportPreprocessing;
}

export async function writeExport(
  model: StandaloneModel,
  training: TrainingInput,
  out: string,
  opts: { format: ExportFormat } & Omit<OnnxOptions, "file">,
): Promise<WrittenExport> {
  const file = basename(out);
  // Everything is built in memory before anything is written: a model that cannot be exported leaves no file.
  const { bytes, preprocessing } =
    opts.format === "onnx"
      ? exportOnnx(model, training, { ...opts, file })
      : exportSafetensors(model, training, { file });
  const preprocessingPath = join(dirname(out), "preprocessing.json");
  await writeFileAtomic(out, bytes);
  await writeFileAtomic(preprocessingPath, `${JSON.stringify(preprocessing, null, 2)}\n`);
  return {
    format: opts.format,
    path: out,
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    preprocessingPath,
    preprocessing,
  };
}

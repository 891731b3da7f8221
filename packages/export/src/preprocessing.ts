// What a deployed model expects of its input, written next to the exported file as `preprocessing.json` and, for
// ONNX, also into the model's metadata_props: the input's name, layout and shape, the pixel scaling and the
// per-channel normalisation the model was trained with (packages/pipeline's bundle preprocessing), the class names.
import type { VitArch } from "@vitnas/formats";

export const EXPORT_PREPROCESSING_FORMAT = "vitnas-export-preprocessing/v1";

/** The normalisation a model was trained with: applied to pixels scaled to [0, 1], (pixel - mean) / std. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** What the caller knows about the training data (a bundle's preprocessing.json holds both). */
export interface TrainingInput {
  normalization: Normalization;
  classNames?: string[];
}

export interface ExportPreprocessing {
  format: typeof EXPORT_PREPROCESSING_FORMAT;
  /** The exported file this describes ("onnx" or "safetensors"). */
  model: { file: string; format: "onnx" | "safetensors" };
  input: {
    name: string;
    /** NCHW or NHWC; a safetensors export has no graph, so this is the layout of the model's own predict (NHWC). */
    layout: "NCHW" | "NHWC";
    /** "batch" is chosen at run time. */
    shape: (number | "batch")[];
    dtype: "float32";
    channels: number;
    imageSize: number;
  };
  output: { name: string; shape: (number | "batch")[]; meaning: "logits" };
  /** How to turn an image into the input: scale, then normalise per channel. */
  pixels: {
    /** Pixels are divided by 255 to [0, 1] (RGB order, or one gray channel) before the normalisation. */
    scale: "divide by 255";
    normalization: Normalization;
    resize: string;
  };
  classNames: string[];
}

export function exportPreprocessing(
  arch: VitArch,
  training: TrainingInput,
  model: ExportPreprocessing["model"],
  io: { input: string; output: string; layout: "NCHW" | "NHWC" },
): ExportPreprocessing {
  const { imageSize: s, channels: c, classes } = arch.input;
  const { mean, std } = training.normalization;
  if (mean.length !== c || std.length !== c) {
    throw new Error(`the normalisation has ${mean.length} means and ${std.length} stds, the model takes ${c} channels`);
  }
  if (std.some((v) => !(v > 0))) throw new Error("every normalisation std must be positive");
  const classNames = training.classNames ?? Array.from({ length: classes }, (_, i) => String(i));
  if (classNames.length !== classes) {
    throw new Error(`${classNames.length} class names for a model of ${classes} classes`);
  }
  return {
    format: EXPORT_PREPROCESSING_FORMAT,
    model,
    input: {
      name: io.input,
      layout: io.layout,
      shape: io.layout === "NCHW" ? ["batch", c, s, s] : ["batch", s, s, c],
      dtype: "float32",
      channels: c,
      imageSize: s,
    },
    output: { name: io.output, shape: ["batch", classes], meaning: "logits" },
    pixels: {
      scale: "divide by 255",
      normalization: { mean: [...mean], std: [...std] },
      resize: `to ${s}x${s}, covering: the shorter side scaled to ${s}, the centre cropped (how nas predict reads images)`,
    },
    classNames,
  };
}

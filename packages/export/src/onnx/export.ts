// A StandaloneModel as an ONNX model (opset 17): the graph of model.ts, the architecture and the preprocessing in
// metadata_props. docs/export.md describes the graph.
import { countArch } from "@vitnas/formats";
import type { StandaloneModel } from "@vitnas/supernet";
import { type ExportPreprocessing, exportPreprocessing, type TrainingInput } from "../preprocessing";
import { WeightTable } from "../weights";
import { OPSET } from "./graph";
import { buildGraph, INPUT_NAME, type InputLayout, OUTPUT_NAME } from "./model";
import type { BatchNormExport } from "./stem";

export interface OnnxOptions {
  /** Layout of the `images` input; default NCHW (ONNX's convolution layout, no transpose in the graph). */
  layout?: InputLayout;
  /** Stem batch norm folded into its conv (default) or kept as BatchNormalization nodes. */
  batchNorm?: BatchNormExport;
  /** The exported file's name, recorded in the preprocessing document. */
  file?: string;
}

export interface OnnxExport {
  bytes: Uint8Array;
  preprocessing: ExportPreprocessing;
  /** Operator types the graph uses. */
  operators: string[];
}

export function exportOnnx(model: StandaloneModel, training: TrainingInput, opts: OnnxOptions = {}): OnnxExport {
  const layout = opts.layout ?? "NCHW";
  const { arch } = model;
  const preprocessing = exportPreprocessing(
    arch,
    training,
    { file: opts.file ?? "model.onnx", format: "onnx" },
    { input: INPUT_NAME, output: OUTPUT_NAME, layout },
  );
  const weights = new WeightTable(model.tensors);
  const graph = buildGraph(arch, weights, { layout, batchNorm: opts.batchNorm ?? "fold" });
  const unread = weights.unread();
  if (unread.length) throw new Error(`the ONNX graph does not use the model's weights ${unread.join(", ")}`);
  const { imageSize: s, channels: c, classes } = arch.input;
  const { macs, params } = countArch(arch);
  const { mean, std } = preprocessing.pixels.normalization;
  const bytes = graph.encode(
    { name: INPUT_NAME, dims: layout === "NCHW" ? ["batch", c, s, s] : ["batch", s, s, c] },
    { name: OUTPUT_NAME, dims: ["batch", classes] },
    {
      graphName: "vitnas",
      producerVersion: "1",
      docString:
        `A vit-arch/v1 Vision Transformer (${macs} MACs, ${params} parameters). Input ${INPUT_NAME}: float32 ` +
        `${layout} [batch, ${layout === "NCHW" ? `${c}, ${s}, ${s}` : `${s}, ${s}, ${c}`}], pixels divided by 255, ` +
        `then (x - mean) / std per channel with mean [${mean}] and std [${std}]. Output ${OUTPUT_NAME}: [batch, ` +
        `${classes}] class logits (softmax for probabilities).`,
      metadata: {
        "vitnas.arch": JSON.stringify(arch),
        "vitnas.input_layout": layout,
        "vitnas.normalization": JSON.stringify({ mean, std }),
        "vitnas.pixel_scale": "divide by 255",
        "vitnas.class_names": JSON.stringify(preprocessing.classNames),
        "vitnas.preprocessing": JSON.stringify(preprocessing),
        "vitnas.macs": String(macs),
        "vitnas.params": String(params),
        "vitnas.opset": String(OPSET),
      },
    },
  );
  return { bytes, preprocessing, operators: [...graph.opTypes].sort() };
}

// Public API of the exporter: a StandaloneModel (packages/supernet) to ONNX or safetensors (docs/export.md).
export { writeFileAtomic } from "./atomic-file";
export { type BundleExport, exportBundle, trainingInputOf } from "./bundle";
export {
  LATENCY_DEFAULTS,
  type LatencyOptions,
  measureLatency,
  type OnnxLatency,
  quantile,
  timeOnnx,
} from "./latency";
export { exportOnnx, type OnnxExport, type OnnxOptions } from "./onnx/export";
export { OPSET } from "./onnx/graph";
export { INPUT_NAME, type InputLayout, OUTPUT_NAME } from "./onnx/model";
export type { BatchNormExport } from "./onnx/stem";
export {
  EXPORT_PREPROCESSING_FORMAT,
  type ExportPreprocessing,
  exportPreprocessing,
  type Normalization,
  type TrainingInput,
} from "./preprocessing";
export {
  decodeSafetensors,
  encodeSafetensors,
  exportSafetensors,
  type SafetensorsFile,
  type SafetensorsTensor,
} from "./safetensors";
export { type ExportFormat, type WrittenExport, writeExport } from "./write";

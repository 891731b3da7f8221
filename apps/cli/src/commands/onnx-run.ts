// `nas predict --runtime onnx`: the bundle's model exported to ONNX in memory (packages/export) and run in ONNX
// Runtime on the CPU, with its batch-1 latency timed as every latency of the product is (packages/export's
// timeOnnx, docs/export.md "Latency").
import type { OnnxLatency } from "@vitnas/export";
import type { StandaloneModel } from "@vitnas/supernet";

export type { OnnxLatency };

export async function runOnnx(
  model: StandaloneModel,
  normalization: { mean: number[]; std: number[] },
  nhwc: Float32Array,
  opts: { threads: number; runs: number; warmup: number },
): Promise<{ logits: Float32Array; latency: OnnxLatency }> {
  const { exportOnnx, timeOnnx } = await import("@vitnas/export");
  // NCHW, the export's default layout: no transpose in the graph, so the timing is the model's alone.
  const { bytes } = exportOnnx(model, { normalization }, { layout: "NCHW" });
  const { imageSize: s, channels: c } = model.arch.input;
  const nchw = new Float32Array(nhwc.length);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < s * s; i++) nchw[ch * s * s + i] = nhwc[i * c + ch]!;
  return timeOnnx(bytes, nchw, [1, c, s, s], opts);
}

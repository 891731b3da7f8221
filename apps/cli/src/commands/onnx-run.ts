// `nas predict --runtime onnx`: the bundle's model exported to ONNX in memory (packages/export) and run in ONNX
// Runtime on the CPU, with its batch-1 latency: `runs` timed calls of session.run after `warmup` untimed ones (the
// first calls allocate and plan), on `threads` intra-op threads and one inter-op thread.
import type { StandaloneModel } from "@vitnas/supernet";

export interface OnnxLatency {
  runtime: "onnxruntime";
  threads: number;
  batch: 1;
  warmup: number;
  runs: number;
  medianMs: number;
  p90Ms: number;
}

/** The p-quantile of sorted numbers by the nearest-rank rule; the median averages the two middle ones. */
export function quantile(sorted: number[], p: number): number {
  if (p === 0.5 && sorted.length % 2 === 0) {
    const mid = sorted.length / 2;
    return (sorted[mid - 1]! + sorted[mid]!) / 2;
  }
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export async function runOnnx(
  model: StandaloneModel,
  normalization: { mean: number[]; std: number[] },
  nhwc: Float32Array,
  opts: { threads: number; runs: number; warmup: number },
): Promise<{ logits: Float32Array; latency: OnnxLatency }> {
  const { exportOnnx } = await import("@vitnas/export");
  const ort = await import("onnxruntime-node");
  // NCHW, the export's default layout: no transpose in the graph, so the timing is the model's alone.
  const { bytes } = exportOnnx(model, { normalization }, { layout: "NCHW" });
  const { imageSize: s, channels: c } = model.arch.input;
  const nchw = new Float32Array(nhwc.length);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < s * s; i++) nchw[ch * s * s + i] = nhwc[i * c + ch]!;
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
  });
  try {
    const feeds = { images: new ort.Tensor("float32", nchw, [1, c, s, s]) };
    let logits: Float32Array = new Float32Array();
    for (let i = 0; i < opts.warmup; i++) await session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const start = process.hrtime.bigint();
      const out = await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      logits = out.logits!.data as Float32Array;
    }
    times.sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    return {
      logits,
      latency: {
        runtime: "onnxruntime",
        threads: opts.threads,
        batch: 1,
        warmup: opts.warmup,
        runs: opts.runs,
        medianMs: round(quantile(times, 0.5)),
        p90Ms: round(quantile(times, 0.9)),
      },
    };
  } finally {
    await session.release();
  }
}

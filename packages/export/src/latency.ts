// Batch-1 latency of an exported model in ONNX Runtime on this machine's CPU (docs/export.md, "Latency"): `runs`
// timed calls of session.run after `warmup` untimed ones (the first calls allocate and plan), on `threads` intra-op
// threads and one inter-op thread. `nas predict --runtime onnx`, the export of a search's front and the bench all
// time models this one way, so their figures compare.
import { cpus } from "node:os";
import type { StandaloneModel } from "@vitnas/supernet";
import { exportOnnx } from "./onnx/export";
import { INPUT_NAME, OUTPUT_NAME } from "./onnx/model";

export interface OnnxLatency {
  runtime: "onnxruntime";
  /** Intra-op threads (one inter-op thread). */
  threads: number;
  batch: 1;
  warmup: number;
  runs: number;
  medianMs: number;
  /** The 90th percentile by the nearest-rank rule. */
  p90Ms: number;
  /** The CPU it was measured on, as the operating system names it. */
  cpu: string;
}

export interface LatencyOptions {
  threads?: number;
  runs?: number;
  warmup?: number;
}

export const LATENCY_DEFAULTS = { threads: 1, runs: 50, warmup: 5 } as const;

/** The p-quantile of sorted numbers by the nearest-rank rule; the median averages the two middle ones. */
export function quantile(sorted: readonly number[], p: number): number {
  if (p === 0.5 && sorted.length % 2 === 0) {
    const mid = sorted.length / 2;
    return (sorted[mid - 1]! + sorted[mid]!) / 2;
  }
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/**
 * Times an ONNX model (`bytes`) on one NCHW image; returns the last run's logits with the latency. Input values do
 * not change the work of any operator the exporter writes, so any image times the model.
 */
export async function timeOnnx(
  bytes: Uint8Array,
  nchw: Float32Array,
  shape: readonly [1, number, number, number],
  opts: LatencyOptions = {},
): Promise<{ logits: Float32Array; latency: OnnxLatency }> {
  const { threads, runs, warmup } = { ...LATENCY_DEFAULTS, ...opts };
  if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`runs must be a positive integer (is ${runs})`);
  if (!(Number.isInteger(threads) && threads >= 1))
    throw new Error(`threads must be a positive integer (is ${threads})`);
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  try {
    const feeds = { [INPUT_NAME]: new ort.Tensor("float32", nchw, [...shape]) };
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const times: number[] = [];
    let logits: Float32Array = new Float32Array();
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      const out = await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      logits = out[OUTPUT_NAME]!.data as Float32Array;
    }
    times.sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    return {
      logits,
      latency: {
        runtime: "onnxruntime",
        threads,
        batch: 1,
        warmup,
        runs,
        medianMs: round(quantile(times, 0.5)),
        p90Ms: round(quantile(times, 0.9)),
        cpu: cpus()[0]?.model.trim() || "unknown",
      },
    };
  } finally {
    await session.release();
  }
}

/**
 * A model's batch-1 latency: exported to ONNX in memory (NCHW, batch norm folded: the export's defaults, so no
 * transpose is timed) and run on a fixed pseudo-random image.
 */
export async function measureLatency(model: StandaloneModel, opts: LatencyOptions = {}): Promise<OnnxLatency> {
  const { imageSize: s, channels: c } = model.arch.input;
  // The normalisation only reaches the metadata; the graph is the same for any.
  const normalization = { mean: Array(c).fill(0), std: Array(c).fill(1) };
  const { bytes } = exportOnnx(model, { normalization }, { layout: "NCHW" });
  const image = new Float32Array(c * s * s);
  let state = 12345;
  for (let i = 0; i < image.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    image[i] = state / 2 ** 32 - 0.5;
  }
  return (await timeOnnx(bytes, image, [1, c, s, s], opts)).latency;
}

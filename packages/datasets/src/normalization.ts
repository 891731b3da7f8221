// Per-channel normalisation: statistics come from the training split only, then apply to every split and to new
// images at prediction time.
import type { RawImages } from "./raw";

export interface Normalization {
  mean: number[];
  std: number[];
}

export function channelStatistics(raw: RawImages): Normalization {
  const c = raw.channels;
  const sum = new Float64Array(c);
  const squares = new Float64Array(c);
  const { images } = raw;
  for (let i = 0; i < images.length; i++) {
    const v = images[i]!;
    sum[i % c]! += v;
    squares[i % c]! += v * v;
  }
  const n = images.length / c;
  const mean = [...sum].map((s) => s / n);
  // A constant channel would divide by zero; its std is taken as 1 so it maps to zeros.
  const std = [...squares].map((s, k) => Math.sqrt(Math.max(s / n - mean[k]! ** 2, 0)) || 1);
  return { mean, std };
}

/** (pixel - mean) / std per channel, into a new array; `pixels` is HWC or NHWC with `mean.length` channels. */
export function normalizePixels(pixels: Float32Array, { mean, std }: Normalization): Float32Array {
  const c = mean.length;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i]! - mean[i % c]!) / std[i % c]!;
  return out;
}

// Images before normalisation: NHWC float32 pixels in [0, 1], as the loaders decode them.
import { resizeBilinear } from "./resize";

export interface RawImages {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  imageSize: number;
  channels: number;
}

/** The images at `indices`, in that order. */
export function pick(raw: RawImages, indices: number[]): RawImages {
  const size = raw.imageSize * raw.imageSize * raw.channels;
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((from, to) => {
    images.set(raw.images.subarray(from * size, (from + 1) * size), to * size);
    labels[to] = raw.labels[from]!;
  });
  return { images, labels, count: indices.length, imageSize: raw.imageSize, channels: raw.channels };
}

/** Square images stored as bytes, HWC per image one after another (IDX files, NumPy arrays), and their labels. */
export interface ByteImages {
  size: number;
  channels: number;
  pixels: Uint8Array;
  labels: Int32Array;
}

/**
 * The images at `indices` as [0, 1] floats, each channel resized to `imageSize`, one channel replicated when
 * `channels` is more. ToTensor's division first, then the resize, as the PyTorch reference does it.
 */
export function bytesToRaw(set: ByteImages, indices: number[], imageSize: number, channels: number): RawImages {
  const n = set.size * set.size;
  const out = imageSize * imageSize;
  const images = new Float32Array(indices.length * out * channels);
  const labels = new Int32Array(indices.length);
  const native = new Float32Array(n);
  indices.forEach((from, to) => {
    const at = to * out * channels;
    for (let c = 0; c < set.channels; c++) {
      for (let p = 0; p < n; p++) native[p] = set.pixels[(from * n + p) * set.channels + c]! / 255;
      const resized = resizeBilinear(native, set.size, set.size, imageSize, imageSize);
      if (set.channels === channels) for (let p = 0; p < out; p++) images[at + p * channels + c] = resized[p]!;
      else for (let p = 0; p < out; p++) images.fill(resized[p]!, at + p * channels, at + (p + 1) * channels);
    }
    labels[to] = set.labels[from]!;
  });
  return { images, labels, count: indices.length, imageSize, channels };
}

// Images before normalisation: NHWC float32 pixels in [0, 1], as the loaders decode them.

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

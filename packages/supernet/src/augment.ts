// Training augmentation on NHWC float images: random crop from a zero-padded copy, and horizontal flip.
import type { ImageSplit } from "@vitnas/datasets";
import type { Random } from "./random";

/** Gathers `indices` of the split into a new batch, each image randomly shifted (pad + crop) and maybe flipped. */
export function augmentBatch(split: ImageSplit, indices: ArrayLike<number>, rng: Random, pad: number): Float32Array {
  const { imageSize: s, channels: c } = split;
  const per = s * s * c;
  const out = new Float32Array(indices.length * per);
  for (let n = 0; n < indices.length; n++) {
    const src = indices[n]! * per;
    const dy = rng.int(2 * pad + 1) - pad;
    const dx = rng.int(2 * pad + 1) - pad;
    const flip = rng.next() < 0.5;
    const dst = n * per;
    for (let y = 0; y < s; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= s) continue;
      for (let x = 0; x < s; x++) {
        const sx0 = x + dx;
        if (sx0 < 0 || sx0 >= s) continue;
        const sx = flip ? s - 1 - sx0 : sx0;
        const from = src + (sy * s + sx) * c;
        const to = dst + (y * s + x) * c;
        for (let k = 0; k < c; k++) out[to + k] = split.images[from + k]!;
      }
    }
  }
  return out;
}

/** The images at `indices`, unchanged. */
export function gatherBatch(split: ImageSplit, indices: ArrayLike<number>): Float32Array {
  const per = split.imageSize * split.imageSize * split.channels;
  const out = new Float32Array(indices.length * per);
  for (let n = 0; n < indices.length; n++)
    out.set(split.images.subarray(indices[n]! * per, (indices[n]! + 1) * per), n * per);
  return out;
}

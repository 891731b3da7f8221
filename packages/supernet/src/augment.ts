// Training augmentation on NHWC float images: random shift (crop from a zero-padded copy) and horizontal flip.
// Whether images flip and how far they shift are chosen from the training budget (docs/training-recipe.md): either
// makes a harder task that pays back only when there are enough epochs to learn it.
import type { ImageSplit } from "@vitnas/datasets";
import type { Random } from "./random";

/**
 * Gathers `indices` of the split into a new batch, each image randomly shifted by up to `pad` pixels (zero fill,
 * which is the mean after normalisation) and, with `flip`, mirrored with probability 1/2.
 */
export function augmentBatch(
  split: ImageSplit,
  indices: ArrayLike<number>,
  rng: Random,
  pad: number,
  flip = true,
): Float32Array {
  const { imageSize: s, channels: c } = split;
  const per = s * s * c;
  const out = new Float32Array(indices.length * per);
  for (let n = 0; n < indices.length; n++) {
    const src = indices[n]! * per;
    const dy = rng.int(2 * pad + 1) - pad;
    const dx = rng.int(2 * pad + 1) - pad;
    const mirror = rng.next() < 0.5 && flip;
    const dst = n * per;
    for (let y = 0; y < s; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= s) continue;
      for (let x = 0; x < s; x++) {
        const sx0 = x + dx;
        if (sx0 < 0 || sx0 >= s) continue;
        const sx = mirror ? s - 1 - sx0 : sx0;
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

/** The largest shift in pixels for a recipe's `shift` setting, its epochs and the image side. */
export function shiftPixels(shift: "auto" | number, epochs: number, imageSize: number): number {
  if (shift !== "auto") return Math.min(shift, imageSize - 1);
  return epochs < AUTO_SHIFT_FROM_EPOCHS ? 0 : Math.max(1, Math.round(imageSize / AUTO_SHIFT_DIVISOR));
}

/**
 * `auto`: no shift below this many epochs. Measured on Fashion-MNIST (docs/training-recipe.md): a shift cost 9 points
 * at 3 epochs and 2 px still cost about 3 at 10; where it starts to pay is a judgment, not yet a measurement.
 */
export const AUTO_SHIFT_FROM_EPOCHS = 30;
/** `auto` from that budget on: up to imageSize / 16 pixels (2 at 32 px). */
export const AUTO_SHIFT_DIVISOR = 16;

/** Whether a recipe's `flip` setting flips images at this budget. */
export function flipImages(flip: "auto" | boolean, epochs: number): boolean {
  return flip === "auto" ? epochs >= AUTO_FLIP_FROM_EPOCHS : flip;
}

/**
 * `auto`: no flips below this many epochs. Measured on Fashion-MNIST in both implementations (docs/training-recipe.md):
 * flips cost 2-3 points of test accuracy at 3 epochs and half a point at 10; the shift's budget, where they should
 * have paid back, is a judgment, not yet a measurement.
 */
export const AUTO_FLIP_FROM_EPOCHS = AUTO_SHIFT_FROM_EPOCHS;

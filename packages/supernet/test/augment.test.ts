// Augmentation moves pixels (pad + crop, flip) without inventing values; without it a batch is the images as they are.
import { describe, expect, it } from "vitest";
import { augmentBatch, gatherBatch } from "../src/augment";
import { Random } from "../src/random";
import { patternSplit } from "./data";

describe("augmentation", () => {
  const split = patternSplit(6, 8, 3, 4, 1);

  it("gathers images unchanged", () => {
    const batch = gatherBatch(split, [4, 1]);
    expect(Array.from(batch.subarray(0, 64))).toEqual(Array.from(split.images.subarray(4 * 64, 5 * 64)));
    expect(Array.from(batch.subarray(64))).toEqual(Array.from(split.images.subarray(64, 128)));
  });

  it("shifts by at most the padding, fills with zeros, and is seeded", () => {
    const indices = [0, 1, 2, 3, 4, 5];
    const a = augmentBatch(split, indices, new Random(1), 1);
    const b = augmentBatch(split, indices, new Random(1), 1);
    expect(a).toEqual(b);
    expect(a).not.toEqual(gatherBatch(split, indices));
    for (let n = 0; n < 6; n++) {
      const out = a.subarray(n * 64, (n + 1) * 64);
      const src = Array.from(split.images.subarray(n * 64, (n + 1) * 64));
      // Every value comes from the source image or the zero padding.
      for (const x of out) expect(x === 0 || src.includes(x)).toBe(true);
      // The centre 6x6 of the output lies inside the (possibly flipped) source.
      const inside = out.filter((_, i) => i % 8 >= 1 && i % 8 <= 6 && Math.floor(i / 8) >= 1 && Math.floor(i / 8) <= 6);
      expect(inside.every((x) => src.includes(x))).toBe(true);
    }
  });
});

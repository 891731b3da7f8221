// Augmentation moves pixels (pad + crop, flip) without inventing values; without it a batch is the images as they are.
import { describe, expect, it } from "vitest";
import { initBackend, Supernet, Trainer } from "../src";
import {
  AUTO_FLIP_FROM_EPOCHS,
  AUTO_SHIFT_FROM_EPOCHS,
  augmentBatch,
  flipImages,
  gatherBatch,
  shiftPixels,
} from "../src/augment";
import { Random } from "../src/random";
import { patternSplit } from "./data";
import { ALL_ATTENTION, fixedSpace, TRAIN_CONFIG } from "./spaces";

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

  it("without flips and with no shift, leaves every image as it is", () => {
    const indices = [0, 1, 2, 3, 4, 5];
    expect(augmentBatch(split, indices, new Random(1), 0, false)).toEqual(gatherBatch(split, indices));
    // Flips alone mirror some rows: row 0 of a flipped image is the source's row 0 reversed.
    const flipped = augmentBatch(split, indices, new Random(1), 0, true);
    let mirrored = 0;
    for (let n = 0; n < 6; n++) {
      const row = Array.from(flipped.subarray(n * 64, n * 64 + 8));
      const source = Array.from(split.images.subarray(n * 64, n * 64 + 8));
      if (row.join() !== source.join()) {
        expect(row).toEqual(source.reverse());
        mirrored++;
      }
    }
    expect(mirrored).toBeGreaterThan(0);
  });

  it("resolves `auto` from the training budget: no shift on short runs, imageSize/16 on longer ones", () => {
    expect(shiftPixels("auto", AUTO_SHIFT_FROM_EPOCHS - 1, 32)).toBe(0);
    expect(shiftPixels("auto", 10, 32)).toBe(0);
    expect(shiftPixels("auto", AUTO_SHIFT_FROM_EPOCHS, 32)).toBe(2);
    expect(shiftPixels("auto", 300, 224)).toBe(14);
    expect(shiftPixels("auto", 300, 8)).toBe(1);
    expect(shiftPixels(4, 1, 32)).toBe(4);
    // A shift can never move the whole image out.
    expect(shiftPixels(100, 1, 32)).toBe(31);
  });

  it("resolves flips' `auto` from the training budget: none on short runs, flips from the shift's budget on", () => {
    expect(flipImages("auto", 3)).toBe(false);
    expect(flipImages("auto", AUTO_FLIP_FROM_EPOCHS - 1)).toBe(false);
    expect(flipImages("auto", AUTO_FLIP_FROM_EPOCHS)).toBe(true);
    // A stated choice holds at any budget.
    expect(flipImages(true, 1)).toBe(true);
    expect(flipImages(false, 300)).toBe(false);
  });

  it("the trainer resolves its recipe's augmentation for its budget (flips and shift `auto` unless stated)", async () => {
    await initBackend({ force: "cpu", log: null });
    const net = Supernet.create(fixedSpace(ALL_ATTENTION[0]!), { seed: 5 });
    const resolved = (epochs: number, augment?: { flip: "auto" | boolean; shift: "auto" | number }) => {
      const trainer = new Trainer(net, patternSplit(8), { ...TRAIN_CONFIG, epochs, augment }, { seed: 1 });
      const { flip, shift } = trainer;
      trainer.dispose();
      return { flip, shift };
    };
    expect(resolved(3)).toEqual({ flip: false, shift: 0 });
    expect(resolved(AUTO_FLIP_FROM_EPOCHS)).toEqual({ flip: true, shift: 1 });
    expect(resolved(3, { flip: true, shift: 2 })).toEqual({ flip: true, shift: 2 });
    expect(resolved(AUTO_FLIP_FROM_EPOCHS, { flip: false, shift: 0 })).toEqual({ flip: false, shift: 0 });
    net.dispose();
  });
});

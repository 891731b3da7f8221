// Small random search spaces for the property tests of the search-space operations.
import fc from "fast-check";
import type { VitSpace } from "../src/types";
import { validateSpace } from "../src/validate";

const ATTENTION = [
  "softmax",
  "performer",
  { type: "performer", features: 8 },
  "linformer",
  { type: "linformer", k: 8, shareKV: false },
  { type: "linformer", k: 8, shareKV: "kv" },
  "nystrom",
  "fnet",
  "mixer",
  { type: "mixer", expansion: 1 },
  "castling",
  "xnorm",
] as const;

const some = <T>(items: readonly T[], max = items.length) =>
  fc.shuffledSubarray([...items], { minLength: 1, maxLength: max });

const stage = fc.record({
  widths: some([8, 12, 16, 24], 3),
  headDim: fc.constantFrom(4, 8),
  depth: some([1, 2, 3], 2),
  heads: some([1, 2, 3], 2),
  mlpHidden: some([8, 16, 32], 2),
  attention: some(ATTENTION, 3),
  reduction: some(["residual", "conv", "none"] as const),
  // "last" most often, as spaces are written; a list drops only its places (invalid lists are filtered out below).
  depthDrop: fc.constantFrom("last", "last", "any", [0], [1], [0, 2]),
});

/** Valid, complete spaces of 1-3 stages on 16x16 images: patch 2 or 4, optionally a conv first. */
export const spaceArb: fc.Arbitrary<VitSpace> = fc
  .record({
    format: fc.constant("vit-space/v1"),
    input: fc.constant({ imageSize: 16, channels: 3, classes: 4 }),
    stem: fc.record({
      convs: fc.constantFrom([], [{ out: 4, kernel: 3, stride: 1, norm: "batch", act: "relu" }]),
      patch: fc.constantFrom({ kernel: 2, stride: 2 }, { kernel: 4, stride: 4 }),
    }),
    position: some(["learned", "rope", "rope1d", "none"] as const),
    classToken: fc.boolean(),
    stages: fc.array(stage, { minLength: 1, maxLength: 3 }),
  })
  .map((doc) => validateSpace(doc))
  .filter((r) => r.ok)
  .map((r) => (r as { ok: true; value: VitSpace }).value);

/** A seed for the operations' random source. */
export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

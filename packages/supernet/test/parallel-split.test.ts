// How a step's batch is shared between threads: contiguous, complete, balanced by cost, cut at a sub-network's
// boundary when that costs little balance, never an empty share.
import type { VitArch } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { type Share, splitBatch } from "../src/parallel/split";

/** Stand-in architectures with a given cost per image. */
function archs(costs: number[]): { list: VitArch[]; cost: (a: VitArch) => number } {
  const list = costs.map((c) => ({ cost: c }) as unknown as VitArch);
  return { list, cost: (a) => (a as unknown as { cost: number }).cost };
}

/** Each share as [from, size, [image count per segment]]. */
const shape = (shares: Share[]) => shares.map((s) => [s.from, s.size, s.segments.map((g) => g.size)]);

function expectComplete(shares: Share[], sizes: number[], list: VitArch[]) {
  // Images in batch order: sub-network i's images are sizes[i] in a row.
  const expected = list.flatMap((a, i) => Array.from({ length: sizes[i]! }, () => a));
  const got = shares.flatMap((s) => s.segments.flatMap((g) => Array.from({ length: g.size }, () => g.arch)));
  expect(got).toEqual(expected);
  let at = 0;
  for (const s of shares) {
    expect(s.from).toBe(at);
    expect(s.size).toBeGreaterThan(0);
    let inShare = 0;
    for (const g of s.segments) {
      expect(g.from).toBe(inShare);
      inShare += g.size;
    }
    expect(inShare).toBe(s.size);
    at += s.size;
  }
}

describe("splitBatch", () => {
  it("splits one architecture's batch into near-equal runs", () => {
    const { list, cost } = archs([5]);
    const shares = splitBatch(list, [10], 3, cost);
    expect(shape(shares)).toEqual([
      [0, 3, [3]],
      [3, 4, [4]],
      [7, 3, [3]],
    ]);
    expectComplete(shares, [10], list);
  });

  it("balances cost, not images: the largest sub-network of a sandwich costs most", () => {
    const { list, cost } = archs([8, 1, 2, 2]);
    const shares = splitBatch(list, [8, 2, 2, 2], 2, cost);
    // 74 in all: 5 of the largest's images (40) against the rest (34); its boundary (64) is beyond half a share.
    expect(shape(shares)).toEqual([
      [0, 5, [5]],
      [5, 9, [3, 2, 2, 2]],
    ]);
    expectComplete(shares, [8, 2, 2, 2], list);
  });

  it("cuts at a sub-network's boundary when that unbalances the shares by half a share at most", () => {
    const near = archs([1, 2]);
    // 60 in all: the boundary at 20 (cost 20) is 10 from the middle, within half a share (15).
    expect(shape(splitBatch(near.list, [20, 20], 2, near.cost))).toEqual([
      [0, 20, [20]],
      [20, 20, [20]],
    ]);
    const far = archs([1, 4]);
    // 100 in all: the boundary (cost 20) is 30 from the middle, beyond half a share (25): the cut goes into the
    // second sub-batch.
    expect(shape(splitBatch(far.list, [20, 20], 2, far.cost))).toEqual([
      [0, 28, [20, 8]],
      [28, 12, [12]],
    ]);
  });

  it("gives every thread at least one image, and no thread more than the batch has", () => {
    const { list, cost } = archs([100, 1]);
    expect(shape(splitBatch(list, [1, 1], 4, cost))).toEqual([
      [0, 1, [1]],
      [1, 1, [1]],
    ]);
    const shares = splitBatch(list, [2, 2], 3, cost);
    expect(shares.map((s) => s.size)).toEqual([1, 1, 2]);
    expectComplete(shares, [2, 2], list);
    expect(shape(splitBatch(list, [3, 5], 1, cost))).toEqual([[0, 8, [3, 5]]]);
  });
});

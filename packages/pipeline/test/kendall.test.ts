import { describe, expect, it } from "vitest";
import { kendallTau } from "../bench/kendall";

describe("kendallTau", () => {
  it("is 1 for the same order, -1 for the reverse, and counts discordant pairs", () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // One swapped pair out of six: (5 - 1) / 6.
    expect(kendallTau([1, 2, 3, 4], [1, 2, 4, 3])).toBeCloseTo(4 / 6, 12);
  });

  it("handles ties as tau-b does", () => {
    // Pairs: (1,2) tie in a only, others concordant: (5 - 0) / sqrt(5 * 6).
    expect(kendallTau([1, 1, 2, 3], [1, 2, 3, 4])).toBeCloseTo(5 / Math.sqrt(30), 12);
    expect(() => kendallTau([1], [1, 2])).toThrow(/same length/);
  });
});

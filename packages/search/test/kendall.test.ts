import { describe, expect, it } from "vitest";
import { accuracyGap, kendallTau, pairAgreement } from "../src/kendall";

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

describe("pairAgreement", () => {
  it("counts only the pairs b separates by more than the gap, ties in a as half", () => {
    // b: pairs (0,1) gap 0.01 skipped; (0,2) and (1,2) counted. a orders (0,2) the same, (1,2) tied.
    expect(pairAgreement([0.5, 0.7, 0.7], [0.9, 0.91, 0.99], 0.05)).toEqual({ pairs: 2, agreeing: 1.5 });
    expect(pairAgreement([3, 2, 1], [1, 2, 3], 0)).toEqual({ pairs: 3, agreeing: 0 });
    expect(() => pairAgreement([1], [1, 2], 0)).toThrow(/same length/);
  });

  it("sizes the noise gap by the binomial standard error", () => {
    expect(accuracyGap(0.5, 500)).toBeCloseTo(2 * Math.sqrt(0.5 / 500), 12);
    expect(accuracyGap(0.99, 500)).toBeLessThan(accuracyGap(0.9, 500));
  });
});

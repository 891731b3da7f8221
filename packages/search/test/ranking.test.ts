import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crowdingDistances, dominates, nonDominatedRanks, type Objectives, selectBest } from "../src";

const pointsArb = fc
  .array(fc.record({ accuracy: fc.integer({ min: 0, max: 6 }), macs: fc.integer({ min: 1, max: 9 }) }), {
    maxLength: 50,
  })
  .map((ps) => ps.map((p) => ({ accuracy: p.accuracy / 6, macs: p.macs })));

/** NSGA-II's fronts by repeatedly peeling off the points no remaining point dominates. */
function bruteFronts(ps: Objectives[]): number[][] {
  const left = new Set(ps.map((_, i) => i));
  const fronts: number[][] = [];
  while (left.size > 0) {
    const front = [...left].filter((i) => ![...left].some((j) => dominates(ps[j]!, ps[i]!)));
    for (const i of front) left.delete(i);
    fronts.push(front);
  }
  return fronts;
}

/** Textbook crowding distance: per objective, sort, extremes infinite, inner points the normalised gap. */
function bruteCrowding(ps: Objectives[], front: number[]): number[] {
  const d = front.map(() => 0);
  for (const key of ["accuracy", "macs"] as const) {
    const order = front
      .map((_, k) => k)
      .sort((a, b) => ps[front[a]!]![key] - ps[front[b]!]![key] || front[a]! - front[b]!);
    const range = ps[front[order.at(-1)!]!]![key] - ps[front[order[0]!]!]![key];
    d[order[0]!] = Number.POSITIVE_INFINITY;
    d[order.at(-1)!] = Number.POSITIVE_INFINITY;
    for (let k = 1; k < order.length - 1; k++) {
      if (range > 0) d[order[k]!]! += (ps[front[order[k + 1]!]!]![key] - ps[front[order[k - 1]!]!]![key]) / range;
    }
  }
  return d;
}

describe("NSGA-II ranking", () => {
  it("non-dominated ranks agree with peeling fronts off by brute force", () => {
    fc.assert(
      fc.property(pointsArb, (ps) => {
        const ranks = nonDominatedRanks(ps);
        bruteFronts(ps).forEach((front, r) => {
          for (const i of front) expect(ranks[i]).toBe(r);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("crowding distance matches a hand-checked front and the textbook definition", () => {
    const ps = [
      { accuracy: 0.2, macs: 1 },
      { accuracy: 0.5, macs: 2 },
      { accuracy: 0.6, macs: 4 },
      { accuracy: 1.0, macs: 5 },
    ];
    const d = crowdingDistances(ps, [0, 1, 2, 3]);
    // Point 1: accuracy gap (0.6-0.2)/0.8 = 0.5, MACs gap (4-1)/4 = 0.75.
    expect(d.get(1)).toBeCloseTo(1.25, 12);
    // Point 2: (1.0-0.5)/0.8 = 0.625 and (5-2)/4 = 0.75.
    expect(d.get(2)).toBeCloseTo(1.375, 12);
    expect(d.get(0)).toBe(Number.POSITIVE_INFINITY);
    expect(d.get(3)).toBe(Number.POSITIVE_INFINITY);
    fc.assert(
      fc.property(pointsArb, (pts) => {
        for (const front of bruteFronts(pts)) {
          const got = crowdingDistances(pts, front);
          const want = front.length <= 2 ? front.map(() => Number.POSITIVE_INFINITY) : bruteCrowding(pts, front);
          front.forEach((i, k) => {
            if (want[k] === Number.POSITIVE_INFINITY) expect(got.get(i)).toBe(Number.POSITIVE_INFINITY);
            else expect(got.get(i)).toBeCloseTo(want[k]!, 10);
          });
        }
      }),
      { numRuns: 200 },
    );
  });

  it("selects whole fronts in rank order, then the most crowding-distant of the next", () => {
    fc.assert(
      fc.property(pointsArb, fc.integer({ min: 1, max: 60 }), (ps, count) => {
        const chosen = selectBest(ps, count);
        expect(chosen.length).toBe(Math.min(count, ps.length));
        expect(new Set(chosen).size).toBe(chosen.length);
        let left = count;
        for (const front of bruteFronts(ps)) {
          if (left <= 0) {
            for (const i of front) expect(chosen).not.toContain(i);
            continue;
          }
          const taken = front.filter((i) => chosen.includes(i));
          if (front.length <= left) expect(taken.length).toBe(front.length);
          else {
            const d = bruteCrowding(ps, front);
            const distance = new Map(front.map((i, k) => [i, front.length <= 2 ? Number.POSITIVE_INFINITY : d[k]!]));
            const cut = Math.min(...taken.map((i) => distance.get(i)!));
            expect(taken.length).toBe(left);
            for (const i of front) if (!taken.includes(i)) expect(distance.get(i)!).toBeLessThanOrEqual(cut + 1e-12);
          }
          left -= front.length;
        }
      }),
      { numRuns: 200 },
    );
  });
});

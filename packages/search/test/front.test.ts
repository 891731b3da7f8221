import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dominates, hypervolume, ParetoFront } from "../src";

interface P {
  id: number;
  accuracy: number;
  macs: number;
}

// Few distinct values, so ties on one or both objectives are common.
const pointsArb = fc
  .array(fc.record({ accuracy: fc.integer({ min: 0, max: 8 }), macs: fc.integer({ min: 1, max: 12 }) }), {
    maxLength: 60,
  })
  .map((ps) => ps.map((p, id): P => ({ id, accuracy: p.accuracy / 8, macs: p.macs })));

const nonDominated = (ps: P[]) => ps.filter((p) => !ps.some((q) => dominates(q, p)));
const ids = (ps: readonly P[]) => ps.map((p) => p.id).sort((a, b) => a - b);

describe("ParetoFront", () => {
  it("after any insertions holds exactly the non-dominated points, cheapest first", () => {
    fc.assert(
      fc.property(pointsArb, (ps) => {
        const front = new ParetoFront<P>();
        ps.forEach((p, k) => {
          const entered = front.insert(p);
          const seen = ps.slice(0, k + 1);
          expect(entered).toBe(!seen.some((q) => dominates(q, p)));
          expect(ids(front.points)).toEqual(ids(nonDominated(seen)));
        });
        const pts = front.points;
        for (let i = 1; i < pts.length; i++) {
          expect(pts[i]!.macs).toBeGreaterThanOrEqual(pts[i - 1]!.macs);
          expect(pts[i]!.accuracy).toBeGreaterThanOrEqual(pts[i - 1]!.accuracy);
        }
        for (const p of pts) for (const q of pts) expect(dominates(q, p)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe("hypervolume", () => {
  it("matches a hand-checked front", () => {
    // Dominated region against (MACs 10, accuracy 0): [2,5) x 0.5 plus [5,10) x 0.8 = 1.5 + 4 = 5.5, over 10.
    const front = [
      { accuracy: 0.5, macs: 2 },
      { accuracy: 0.8, macs: 5 },
    ];
    expect(hypervolume(front, 10)).toBeCloseTo(0.55, 12);
    // A dominated point and one beyond the reference change nothing.
    expect(hypervolume([...front, { accuracy: 0.4, macs: 6 }, { accuracy: 0.9, macs: 12 }], 10)).toBeCloseTo(0.55, 12);
    expect(hypervolume([], 10)).toBe(0);
    expect(hypervolume([{ accuracy: 1, macs: 0 }], 10)).toBe(1);
  });

  it("equals the area counted cell by cell on integer MACs", () => {
    fc.assert(
      fc.property(pointsArb, fc.integer({ min: 1, max: 14 }), (ps, ref) => {
        let area = 0;
        for (let x = 0; x < ref; x++) {
          area += Math.max(0, ...ps.filter((p) => p.macs <= x).map((p) => p.accuracy));
        }
        expect(hypervolume(ps, ref)).toBeCloseTo(area / ref, 10);
      }),
      { numRuns: 200 },
    );
  });
});

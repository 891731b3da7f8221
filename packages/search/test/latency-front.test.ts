// The latency constraint on the front: the front of the candidates within the limit, measuring front members only.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dominates, latencyFront } from "../src";

interface Point {
  id: string;
  accuracy: number;
  macs: number;
  latency: number;
}

const point = (id: string, accuracy: number, macs: number, latency: number): Point => ({ id, accuracy, macs, latency });

describe("latencyFront", () => {
  it("measures the front only and, without a limit, keeps it", async () => {
    const points = [point("a", 0.5, 10, 1), point("b", 0.7, 20, 2), point("c", 0.6, 30, 3), point("d", 0.9, 40, 4)];
    const asked: string[] = [];
    const { front, measured, excluded } = await latencyFront(points, async (p) => {
      asked.push(p.id);
      return p.latency;
    });
    expect(front.map((p) => p.id)).toEqual(["a", "b", "d"]);
    expect(asked).toEqual(["a", "b", "d"]);
    expect([...measured]).toEqual([
      ["a", 1],
      ["b", 2],
      ["d", 4],
    ]);
    expect(excluded).toEqual([]);
  });

  it("sets aside members over the limit and draws the front again from the rest", async () => {
    // d is too slow: c, which d dominated, joins the front and is measured then.
    const points = [point("a", 0.5, 10, 1), point("b", 0.7, 20, 2), point("c", 0.8, 30, 3), point("d", 0.9, 25, 9)];
    const asked: string[] = [];
    const result = await latencyFront(
      points,
      async (p) => {
        asked.push(p.id);
        return p.latency;
      },
      5,
    );
    expect(result.front.map((p) => p.id)).toEqual(["a", "b", "c"]);
    expect(result.excluded).toEqual(["d"]);
    expect(asked).toEqual(["a", "b", "d", "c"]);
  });

  it("is the front of the candidates within the limit, each measured at most once", async () => {
    const arb = fc.array(
      fc.record({
        accuracy: fc.integer({ min: 0, max: 20 }).map((a) => a / 20),
        macs: fc.integer({ min: 1, max: 30 }),
        latency: fc.integer({ min: 1, max: 10 }),
      }),
      { maxLength: 40 },
    );
    await fc.assert(
      fc.asyncProperty(arb, fc.integer({ min: 1, max: 10 }), async (raw, limit) => {
        const points = raw.map((p, i) => ({ id: `p${i}`, ...p }));
        const asked: string[] = [];
        const { front } = await latencyFront(
          points,
          async (p) => {
            asked.push(p.id);
            return p.latency;
          },
          limit,
        );
        const within = points.filter((p) => p.latency <= limit);
        const expected = within.filter((p) => !within.some((q) => dominates(q, p))).map((p) => p.id);
        expect(front.map((p) => p.id).sort()).toEqual(expected.sort());
        expect(new Set(asked).size).toBe(asked.length);
      }),
    );
  });
});

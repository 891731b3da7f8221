// Evolution's generation 0 under a MACs limit draws the space as random search does (draws over the limit drawn
// again, not shrunk), so evolution starts where its baseline does rather than at the cheap end of the space; with
// nsga2 the space's cheapest architecture joins them, so the front's cheap end is there from the start.
import { archHash, countArch, smallestArch } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { Evolution, randomArchs } from "../src";
import { searchSpec, twoStageSpace } from "./spaces";

const SPACE = twoStageSpace();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("generation 0 under a MACs limit", () => {
  it("has random search's MACs distribution, every candidate within the limit", () => {
    const uniform = randomArchs(SPACE, {}, 400, 1).map((a) => countArch(a).macs);
    const limit = median(uniform);
    const constraints = { macs: { max: limit } };
    const evolution = Evolution.create(SPACE, searchSpec({ population: 200, constraints }), 3);
    const first = evolution.proposeGeneration().map((a) => countArch(a).macs);
    const random = randomArchs(SPACE, constraints, 200, 3).map((a) => countArch(a).macs);
    expect(first).toHaveLength(200);
    expect(Math.max(...first)).toBeLessThanOrEqual(limit);
    // Medians of two samples of 200 from one distribution: within a few percent of each other.
    expect(Math.abs(median(first) / median(random) - 1)).toBeLessThan(0.1);
  });

  it("holds the space's cheapest architecture with nsga2, first, and not with resnas", () => {
    const smallest = smallestArch(SPACE);
    const cheapest = countArch(smallest).macs;
    const limit = median(randomArchs(SPACE, {}, 400, 1).map((a) => countArch(a).macs));
    const nsga2 = Evolution.create(SPACE, searchSpec({ population: 12, constraints: { macs: { max: limit } } }), 5);
    const first = nsga2.proposeGeneration();
    expect(archHash(first[0]!)).toBe(archHash(smallest));
    expect(nsga2.pending[0]!.origin).toBe("smallest");
    // The others are drawn: none as cheap as the seeded corner.
    expect(first.slice(1).every((a) => countArch(a).macs > cheapest)).toBe(true);
    const resnas = Evolution.create(
      SPACE,
      searchSpec({ population: 12, strategy: "resnas", constraints: { macs: { max: limit } } }),
      5,
    );
    expect(resnas.proposeGeneration().map(archHash)).not.toContain(archHash(smallest));
  });
});

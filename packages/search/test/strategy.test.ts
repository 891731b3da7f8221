// search.strategy "resnas" (docs/seed-settings.md): ViT-ResNAS's own evolution, parents by accuracy alone and
// candidates redrawn into [0.975, 1] x the MACs maximum, against the default NSGA-II ranking.
import { archHash, countArch, type SearchSpec, type VitArch } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { Evolution, type EvolutionState, RankedPopulation, RESNAS_MACS_LOWER, selectBest } from "../src";
import { searchSpec, twoStageSpace } from "./spaces";

const SPACE = twoStageSpace({ depthDrop: "any", reduction: ["residual", "conv", "none"] });

const MAX = 6e6;
const search = (over: Partial<SearchSpec> = {}) =>
  searchSpec({ population: 24, generations: 3, constraints: { macs: { max: MAX } }, strategy: "resnas", ...over });

/**
 * A stand-in for validation accuracy that does not grow with MACs (per-architecture noise only), so the most
 * accurate and the NSGA-II best differ: the front's cheap members are not the most accurate.
 */
function evaluate(arch: VitArch) {
  const { macs, params } = countArch(arch);
  return { arch, accuracy: Number.parseInt(archHash(arch).slice(0, 6), 16) / 0xffffff, macs, params };
}

function run(evo: Evolution, interrupt: (e: Evolution) => Evolution = (e) => e) {
  while (!evo.done) {
    const proposed = evo.proposeGeneration();
    if (proposed.length === 0) break;
    evo = interrupt(evo);
    evo.record(proposed.map(evaluate));
    evo = interrupt(evo);
  }
  return evo;
}

const inBand = (macs: number) => macs >= RESNAS_MACS_LOWER * MAX && macs <= MAX;

describe('search.strategy "resnas"', () => {
  it("draws every candidate, random or bred, within [0.975, 1] x the MACs maximum", () => {
    const evo = run(Evolution.create(SPACE, search(), 4));
    expect(evo.history.length).toBe(24 + 3 * 16);
    for (const c of evo.history) expect(c.macs).toBeLessThanOrEqual(MAX);
    for (const c of evo.history.filter((c) => c.origin === "random")) expect(inBand(c.macs), `${c.macs}`).toBe(true);
    // A child is redrawn from the same parents at most RESNAS_REDRAWS times: two parents may have few children in the
    // band, and those few may be taken, so now and then one falls back to shrinking.
    const bred = evo.history.filter((c) => c.origin !== "random");
    expect(bred.filter((c) => inBand(c.macs)).length).toBeGreaterThanOrEqual(0.9 * bred.length);
    // NSGA-II only shrinks into the constraints: most of its candidates lie far below the band.
    const nsga2 = run(Evolution.create(SPACE, search({ strategy: "nsga2" }), 4));
    expect(nsga2.history.filter((c) => inBand(c.macs)).length).toBeLessThan(nsga2.history.length / 2);
    for (const c of nsga2.history) expect(c.macs).toBeLessThanOrEqual(MAX);
  });

  it("breeds from the most accurate of everything evaluated, not the NSGA-II best", () => {
    const evo = run(Evolution.create(SPACE, search({ strategy: "resnas", constraints: { macs: { max: 2e7 } } }), 9));
    let differs = false;
    for (let g = 1; g <= 3; g++) {
      const before = evo.history.filter((c) => c.generation < g);
      const top = new Set(
        [...before]
          .sort((a, b) => b.accuracy - a.accuracy)
          .slice(0, 8)
          .map((c) => c.id),
      );
      const nsga2 = new Set(selectBest(before, 8).map((i) => before[i]!.id));
      if ([...top].some((id) => !nsga2.has(id))) differs = true;
      for (const c of evo.history.filter((c) => c.generation === g)) {
        for (const p of c.parents) expect(top.has(p)).toBe(true);
      }
    }
    expect(differs).toBe(true);
  });

  it("falls back to shrinking into the constraints when the band holds nothing it can draw", () => {
    // No architecture of the space costs more than this, so the band's floor is out of reach.
    const evo = run(Evolution.create(SPACE, search({ constraints: { macs: { max: 1e12 } } }), 2));
    expect(evo.history.length).toBeGreaterThan(24);
    expect(evo.history.every((c) => c.macs < RESNAS_MACS_LOWER * 1e12)).toBe(true);
  });

  it("resumes exactly from a saved state", () => {
    const ids = (e: Evolution) => e.history.map((c) => c.id);
    const straight = run(Evolution.create(SPACE, search(), 5));
    const resumed = run(Evolution.create(SPACE, search(), 5), (e) =>
      Evolution.restore(JSON.parse(JSON.stringify(e.state)) as EvolutionState),
    );
    expect(ids(resumed)).toEqual(ids(straight));
  });

  it("needs a MACs maximum; a state saved before strategies existed runs nsga2", () => {
    expect(() => Evolution.create(SPACE, search({ constraints: {} }), 1)).toThrow(
      'search.constraints.macs.max is required with search.strategy "resnas"',
    );
    const evo = Evolution.create(SPACE, search({ strategy: "nsga2" }), 1);
    const { strategy: _, ...old } = evo.state.search;
    const restored = Evolution.restore({ ...evo.state, search: old as SearchSpec });
    expect(restored.strategy).toBe("nsga2");
  });
});

describe("RankedPopulation.topByAccuracy", () => {
  it("takes the most accurate, fewer MACs first among equals, whatever dominates what", () => {
    const ranked = new RankedPopulation([
      { accuracy: 0.5, macs: 1 },
      { accuracy: 0.9, macs: 100 },
      { accuracy: 0.7, macs: 10 },
      { accuracy: 0.9, macs: 50 },
    ]);
    expect(ranked.topByAccuracy(2)).toEqual([3, 1]);
    expect(ranked.topByAccuracy(10)).toEqual([3, 1, 2, 0]);
    // NSGA-II keeps the cheapest point (a front extreme) among its best three.
    expect(ranked.selectBest(3)).toContain(0);
    expect(ranked.topByAccuracy(3)).not.toContain(0);
  });
});

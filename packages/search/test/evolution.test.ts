import {
  archHash,
  canonicalArch,
  canonicalJson,
  countArch,
  spaceSize,
  type VitArch,
  validateArch,
} from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { dominates, Evolution, type EvolutionState, hypervolume, selectBest } from "../src";
import { searchSpec, space, twoStageSpace } from "./spaces";

const SPACE = twoStageSpace();
const search = searchSpec;

/** A cheap deterministic stand-in for validation accuracy: grows with MACs, with per-architecture noise. */
function evaluate(arch: VitArch) {
  const { macs, params } = countArch(arch);
  const noise = Number.parseInt(archHash(arch).slice(0, 6), 16) / 0xffffff;
  return { arch, accuracy: Math.min(1, 0.9 * (1 - Math.exp(-macs / 4e6)) + 0.1 * noise), macs, params };
}

/** Runs a search to the end; `interrupt` may replace the search object at every step (to test resuming). */
function run(evo: Evolution, interrupt: (e: Evolution) => Evolution = (e) => e): { evo: Evolution; ids: string[][] } {
  const ids: string[][] = [];
  while (!evo.done) {
    const proposed = evo.proposeGeneration();
    if (proposed.length === 0) break;
    ids.push(proposed.map(archHash));
    evo = interrupt(evo);
    // Record in two parts, to resume in between too.
    const half = Math.ceil(proposed.length / 2);
    evo.record(proposed.slice(0, half).map(evaluate));
    evo = interrupt(evo);
    evo.record(proposed.slice(half).map(evaluate));
    evo = interrupt(evo);
  }
  return { evo, ids };
}

const roundTrip = (e: Evolution) => Evolution.restore(JSON.parse(JSON.stringify(e.state)) as EvolutionState);

describe("Evolution", () => {
  it("says when a generation ends: record returns its summary, once, with the front after it", () => {
    const evo = Evolution.create(SPACE, search({ generations: 2 }), 3);
    const ended: { generation: number; hypervolume: number; front: string[] }[] = [];
    while (!evo.done) {
      const proposed = evo.proposeGeneration();
      for (const [i, arch] of proposed.entries()) {
        const summary = evo.record([evaluate(arch)]);
        // Only the generation's last result ends it.
        expect(summary === undefined).toBe(i < proposed.length - 1);
        if (summary) ended.push({ ...summary, front: evo.front.map((c) => c.id) });
      }
    }
    expect(ended.map((e) => e.generation)).toEqual([0, 1, 2]);
    expect(ended.map((e) => e.hypervolume)).toEqual(evo.summaries.map((s) => s.hypervolume));
    expect(ended.at(-1)!.hypervolume).toBe(hypervolume(evo.front, evo.referenceMacs));
    expect(ended.at(-1)!.front).toEqual(evo.front.map((c) => c.id));
  });

  it("runs generation 0 of `population` (the cheapest and random ones), then `parents` mutants and crossovers", () => {
    const { evo, ids } = run(Evolution.create(SPACE, search(), 7));
    expect(evo.done).toBe(true);
    expect(ids.map((g) => g.length)).toEqual([16, 16, 16, 16, 16]);
    expect(evo.summaries.map((s) => s.generation)).toEqual([0, 1, 2, 3, 4]);
    const origins = evo.history.map((c) => `${c.generation}:${c.origin}`);
    expect(origins.filter((o) => o === "0:smallest").length).toBe(1);
    expect(origins.filter((o) => o === "0:random").length).toBe(15);
    expect(origins.filter((o) => o === "3:mutation").length).toBe(8);
    expect(origins.filter((o) => o === "3:crossover").length).toBe(8);
    expect(evo.proposeGeneration()).toEqual([]);
  });

  it("breeds each generation from the NSGA-II best of everything evaluated before it", () => {
    const { evo } = run(Evolution.create(SPACE, search({ generations: 4 }), 13));
    for (let g = 1; g <= 4; g++) {
      const before = evo.history.filter((c) => c.generation < g);
      const best = new Set(selectBest(before, 8).map((i) => before[i]!.id));
      const children = evo.history.filter((c) => c.generation === g);
      expect(children.length).toBeGreaterThan(0);
      for (const c of children) {
        expect(c.parents.length).toBe(c.origin === "mutation" ? 1 : 2);
        for (const p of c.parents) expect(best.has(p)).toBe(true);
        if (c.origin === "crossover") expect(c.parents[0]).not.toBe(c.parents[1]);
      }
    }
    expect(evo.history.filter((c) => c.generation === 0).every((c) => c.parents.length === 0)).toBe(true);
  });

  it("never proposes an architecture twice, and proposes only valid ones inside the space", () => {
    const { evo } = run(Evolution.create(SPACE, search({ generations: 6 }), 3));
    const all = evo.history.map((c) => c.id);
    expect(new Set(all).size).toBe(all.length);
    for (const c of evo.history) {
      expect(archHash(c.arch)).toBe(c.id);
      expect(validateArch(c.arch).ok).toBe(true);
    }
  });

  it("is deterministic for a seed", () => {
    const a = run(Evolution.create(SPACE, search(), 11)).ids;
    const b = run(Evolution.create(SPACE, search(), 11)).ids;
    const c = run(Evolution.create(SPACE, search(), 12)).ids;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("resumed from its saved state at any step, continues exactly as an uninterrupted run", () => {
    const straight = run(Evolution.create(SPACE, search({ generations: 5 }), 5));
    const resumed = run(Evolution.create(SPACE, search({ generations: 5 }), 5), roundTrip);
    expect(resumed.ids).toEqual(straight.ids);
    expect(resumed.evo.front.map((c) => c.id)).toEqual(straight.evo.front.map((c) => c.id));
    expect(resumed.evo.summaries).toEqual(straight.evo.summaries);
    // Asking again for an outstanding generation gives the same architectures.
    const evo = Evolution.create(SPACE, search(), 5);
    const first = evo.proposeGeneration().map(archHash);
    expect(roundTrip(evo).proposeGeneration().map(archHash)).toEqual(first);
  });

  it("keeps the front of everything evaluated, with a hypervolume that never falls", () => {
    const { evo } = run(Evolution.create(SPACE, search({ generations: 5 }), 9));
    const history = evo.history;
    const nonDominated = history.filter((p) => !history.some((q) => dominates(q, p)));
    expect(evo.front.map((c) => c.id).sort()).toEqual(nonDominated.map((c) => c.id).sort());
    const hv = evo.summaries.map((s) => s.hypervolume);
    for (let i = 1; i < hv.length; i++) expect(hv[i]).toBeGreaterThanOrEqual(hv[i - 1]!);
    expect(hv.at(-1)).toBeCloseTo(hypervolume(history, evo.referenceMacs), 12);
    expect(hv.at(-1)).toBeGreaterThan(0);
    expect(evo.referenceMacs).toBeGreaterThanOrEqual(Math.max(...history.map((c) => c.macs)));
  });

  it("meets MACs and parameter constraints by shrinking", () => {
    const macs = { min: 2_000_000, max: 3_000_000 };
    const params = { max: 150_000 };
    const { evo } = run(Evolution.create(SPACE, search({ constraints: { macs, params } }), 4));
    expect(evo.history.length).toBeGreaterThan(40);
    for (const c of evo.history) {
      const count = countArch(c.arch);
      expect(count.macs).toBeGreaterThanOrEqual(macs.min);
      expect(count.macs).toBeLessThanOrEqual(macs.max);
      expect(count.params).toBeLessThanOrEqual(params.max);
    }
    expect(evo.referenceMacs).toBe(macs.max);
  });

  it("says clearly when no architecture can meet the constraints", () => {
    const evo = Evolution.create(SPACE, search({ constraints: { macs: { max: 10 } } }), 1);
    expect(() => evo.proposeGeneration()).toThrow(
      /no architecture of the space could be made to meet the constraints: cannot meet the constraints \(macs <= 10\)/,
    );
  });

  it("ends early when a small space runs out of new architectures", () => {
    const tiny = space({
      format: "vit-space/v1",
      input: { imageSize: 16, channels: 3, classes: 4 },
      stem: { convs: [], patch: { kernel: 4, stride: 4 } },
      stages: [{ widths: [8, 16], headDim: 4, depth: [1], heads: [1, 2], mlpHidden: [8, 16], attention: ["softmax"] }],
    });
    expect(spaceSize(tiny)).toBe(8n);
    const { evo } = run(Evolution.create(tiny, search({ population: 4, parents: 2, generations: 50 }), 2));
    expect(evo.done).toBe(true);
    expect(evo.generation).toBeLessThan(50);
    expect(new Set(evo.history.map((c) => c.id)).size).toBe(evo.history.length);
    expect(evo.history.length).toBeLessThanOrEqual(8);
  });

  it("never holds two architectures that compute the same function (fnet/mixer blocks differing only in heads)", () => {
    const headless = space({
      format: "vit-space/v1",
      input: { imageSize: 16, channels: 3, classes: 4 },
      stem: { convs: [], patch: { kernel: 4, stride: 4 } },
      position: ["rope", "none"],
      stages: [
        {
          widths: [16],
          headDim: 4,
          depth: [1, 2],
          heads: [1, 2, 3, 4],
          mlpHidden: [8, 16],
          attention: ["fnet", "mixer"],
        },
      ],
    });
    // 544 documents, but heads and rope change nothing here: 4 networks of depth 1 and 16 of depth 2.
    expect(spaceSize(headless)).toBe(544n);
    const { evo } = run(Evolution.create(headless, search({ population: 16, parents: 8, generations: 8 }), 5));
    const networks = evo.history.map((c) => canonicalJson(canonicalArch(c.arch)));
    expect(new Set(networks).size).toBe(evo.history.length);
    expect(evo.history.length).toBeLessThanOrEqual(20);
    const front = evo.front.map((c) => canonicalJson(canonicalArch(c.arch)));
    expect(new Set(front).size).toBe(front.length);
  });

  it("rejects results it did not ask for, recorded twice, or out of range", () => {
    const evo = Evolution.create(SPACE, search(), 1);
    const [a, b] = evo.proposeGeneration();
    const stranger = structuredClone(a!);
    stranger.stages[0]!.width = 1000;
    expect(() => evo.record([evaluate(stranger)])).toThrow(/was not proposed by this search/);
    expect(() => evo.record([{ ...evaluate(b!), accuracy: 1.5 }])).toThrow(/accuracy must be in \[0, 1\] \(is 1.5\)/);
    evo.record([evaluate(a!)]);
    expect(() => evo.record([evaluate(a!)])).toThrow(/was already recorded/);
    expect(() => Evolution.restore({ format: "nope" } as unknown as EvolutionState)).toThrow(/not an evolution state/);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { archHash, countArch, createRng, sampleArch, validateJob } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { attentionTypesOf, reductionsOf, stratifiedByChoices, stratifiedByMacs } from "../src/stratified-sample";

function exampleSpace(name: string) {
  const result = validateJob(JSON.parse(readFileSync(join(import.meta.dirname, "../../../examples", name), "utf8")));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value.space;
}
const demoSpace = () => exampleSpace("demo.json");

describe("stratifiedByMacs", () => {
  const space = demoSpace();

  it("draws distinct architectures, cheapest first, spread over the space's MACs", () => {
    const picked = stratifiedByMacs(space, { count: 12, seed: 5 });
    const macs = picked.map((a) => countArch(a).macs);
    expect(new Set(picked.map(archHash)).size).toBe(12);
    expect([...macs].sort((a, b) => a - b)).toEqual(macs);
    // Against plain uniform draws: the sample reaches into both tails of the MACs distribution.
    const rng = createRng(99);
    const uniform = Array.from({ length: 2000 }, () => countArch(sampleArch(space, rng)).macs).sort((a, b) => a - b);
    expect(macs[0]!).toBeLessThanOrEqual(uniform[Math.floor(uniform.length * 0.1)]!);
    expect(macs[11]!).toBeGreaterThanOrEqual(uniform[Math.floor(uniform.length * 0.9)]!);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const ids = (seed: number) => stratifiedByMacs(space, { count: 8, seed }).map(archHash);
    expect(ids(3)).toEqual(ids(3));
    expect(ids(4)).not.toEqual(ids(3));
  });

  it("applies the map before counting distinct architectures, and says when the pool is too small", () => {
    const smallest = sampleArch(space, createRng(1));
    expect(() => stratifiedByMacs(space, { count: 2, seed: 1, map: () => smallest })).toThrow(
      /1 distinct architectures, fewer than 2/,
    );
  });
});

describe("stratifiedByChoices", () => {
  // Every attention type in both stages, residual or no reduction before stage 1.
  const space = exampleSpace("fashion-mnist.json");

  it("gives every attention type to 4 of 16 architectures, each reduction to half, all distinct", () => {
    const picked = stratifiedByChoices(space, { count: 16, seed: 7 });
    expect(new Set(picked.map(archHash)).size).toBe(16);
    const uses = new Map<string, number>();
    for (const arch of picked) {
      // One type per stage, two different types per architecture.
      for (const stage of arch.stages) expect(new Set(stage.blocks.map((b) => b.attention.type)).size).toBe(1);
      expect(attentionTypesOf(arch)).toHaveLength(2);
      for (const t of attentionTypesOf(arch)) uses.set(t, (uses.get(t) ?? 0) + 1);
    }
    expect([...uses.keys()].sort()).toEqual(space.stages[0]!.attention.map((a) => a.type).sort());
    expect([...uses.values()]).toEqual(Array(8).fill(4));
    const reductions = picked.map(reductionsOf);
    expect(reductions.filter((r) => r === "none")).toHaveLength(8);
    expect(reductions.filter((r) => r === "residual")).toHaveLength(8);
    // Each type of stage 0 meets both reductions.
    for (const a of space.stages[0]!.attention) {
      const with_ = picked.filter((p) => p.stages[0]!.blocks[0]!.attention.type === a.type).map(reductionsOf);
      expect(new Set(with_).size).toBe(2);
    }
  });

  it("spreads over the MACs range of uniform draws, deterministically for a seed", () => {
    const picked = stratifiedByChoices(space, { count: 16, seed: 7 });
    const macs = picked.map((a) => countArch(a).macs).sort((a, b) => a - b);
    const rng = createRng(99);
    const uniform = Array.from({ length: 2000 }, () => countArch(sampleArch(space, rng)).macs).sort((a, b) => a - b);
    expect(macs[0]!).toBeLessThanOrEqual(uniform[Math.floor(uniform.length * 0.15)]!);
    expect(macs[15]!).toBeGreaterThanOrEqual(uniform[Math.floor(uniform.length * 0.85)]!);
    const ids = (seed: number) => stratifiedByChoices(space, { count: 16, seed }).map(archHash);
    expect(ids(7)).toEqual(picked.map(archHash));
    expect(ids(8)).not.toEqual(ids(7));
  });

  it("says which cell ran out when the space holds too few architectures", () => {
    const tiny = {
      ...space,
      position: [space.position[0]!],
      stages: [{ ...space.stages[0]!, widths: [48], depth: [1], heads: [2], mlpHidden: [96] }],
    };
    expect(() => stratifiedByChoices(tiny, { count: 9, seed: 1, draws: 5 })).toThrow(
      /no new architecture with attention softmax and reductions {2}in 100 draws/,
    );
  });
});

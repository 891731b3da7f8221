import { readFileSync } from "node:fs";
import { join } from "node:path";
import { archHash, countArch, createRng, sampleArch, validateJob } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { stratifiedByMacs } from "../bench/stratified-sample";

function demoSpace() {
  const result = validateJob(
    JSON.parse(readFileSync(join(import.meta.dirname, "../../../examples/demo.json"), "utf8")),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value.space;
}

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

// The ranking-fidelity bench (bench/fidelity.ts) end to end on tiny synthetic data: its figures for every
// super-network setting and the search comparison, then a second run that resumes from the cached pieces alone.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NasSearchInput } from "@vitnas/formats";
import { afterAll, describe, expect, it } from "vitest";
import { configFromEnv, type FidelityConfig, fidelity, SETTINGS } from "../bench/fidelity";

const tiny = JSON.parse(await readFile(join(import.meta.dirname, "../examples/tiny.json"), "utf8")) as NasSearchInput;

/** 2 attention types, 8 architectures: 4 use each, enough for a tau within each type. */
function tinyConfig(work: string, over: Partial<FidelityConfig>): FidelityConfig {
  return {
    job: {
      ...tiny,
      dataset: { kind: "synthetic", train: 64, val: 32, test: 32, seed: 3 },
      supernet: { ...tiny.supernet, epochs: 1, archsPerStep: 3 },
    } as NasSearchInput,
    archs: 8,
    population: 3,
    generations: 1,
    seeds: [1],
    work,
    ...over,
  };
}

describe("fidelity bench", () => {
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("measures tau per setting and type, evolution against random, and resumes from prepared or cached pieces", async () => {
    work = await mkdtemp(join(tmpdir(), "fidelity-"));
    const lines: string[] = [];
    const config = tinyConfig(work, { seeds: [1, 2], log: (line) => lines.push(line) });
    // A second process may train the super-networks first: the full run then uses them as they are.
    const [prepared] = await fidelity({ ...config, only: "supernets" });
    expect(Object.keys(prepared!.figures)).toEqual(SETTINGS.map((s) => s.name));
    const sections = await fidelity(config);
    expect(sections.map((s) => s.name)).toEqual([
      "fidelity: architectures trained alone",
      ...SETTINGS.map((s) => `fidelity: ${s.name}`),
      "fidelity: evolution against random search",
    ]);
    expect(sections[0]!.figures.architectures).toBe(8);
    const settings = SETTINGS.length;
    for (const section of sections.slice(1, 1 + settings)) {
      const tau = section.figures["kendall tau, inherited vs stand-alone (target >= 0.6)"] as number;
      expect(tau).toBeGreaterThanOrEqual(-1);
      expect(tau).toBeLessThanOrEqual(1);
      expect(section.figures["kendall tau within softmax (4 architectures; MACs baseline)"]).toMatch(
        /^-?[01](\.\d+)? \(-?[01](\.\d+)?\)$/,
      );
      expect(section.figures["kendall tau within xnorm (4 architectures; MACs baseline)"]).toBeDefined();
      expect(String(section.figures["inherited validation accuracies"]).split(" ")).toHaveLength(8);
    }
    expect(sections[1]!.figures["super-network"]).toBe(
      "attentionWeights shared, sandwich true, distill true, archBatch whole, archsPerStep 3, tokenWeights per-grid",
    );
    expect(sections[3]!.figures["super-network"]).toBe(
      "attentionWeights per-type, sandwich false, distill false, archBatch split, archsPerStep 3, tokenWeights per-grid",
    );
    expect(sections[4]!.figures["super-network"]).toBe(
      "attentionWeights per-type, sandwich true, distill true, archBatch whole, archsPerStep 3, tokenWeights per-grid",
    );
    expect(sections[5]!.figures["super-network"]).toBe(
      "attentionWeights per-type-block, sandwich true, distill true, archBatch whole, archsPerStep 3, tokenWeights per-grid",
    );
    expect(sections[6]!.figures["super-network"]).toBe(
      "attentionWeights shared, sandwich true, distill true, archBatch split, archsPerStep 3, tokenWeights per-grid",
    );
    // Twice the sub-networks per step (the tiny job's batch holds 8).
    expect(sections[10]!.figures["super-network"]).toBe(
      "attentionWeights shared, sandwich true, distill true, archBatch whole, archsPerStep 8, tokenWeights per-grid",
    );
    // One copy of each token-indexed weight for every grid (the default before per-grid copies).
    expect(sections[11]!.figures["super-network"]).toBe(
      "attentionWeights shared, sandwich true, distill true, archBatch whole, archsPerStep 3, tokenWeights shared",
    );
    const search = sections[1 + settings]!.figures;
    expect(search["hypervolume per seed, evolution / random"]).toMatch(/^[\d.]+\/[\d.]+ [\d.]+\/[\d.]+$/);
    expect(search["hypervolume, evolution (mean +- sd)"]).toMatch(/^[\d.]+ \+- [\d.]+$/);
    expect(typeof search["evolution above random in every seed (target)"]).toBe("boolean");
    expect(lines.filter((l) => l.includes("trained alone"))).toHaveLength(8);
    const trained = lines.filter((l) => l.includes("super-network trained"));
    expect(trained.slice(settings).map((l) => l.match(/\((step\S+),/)?.[1])).toEqual(Object.values(prepared!.figures));

    // Everything trained is cached: the same figures again.
    const again: string[] = [];
    const resumed = await fidelity({ ...config, log: (line) => again.push(line) });
    const stable = (s: typeof sections) => s.map((x) => ({ ...x.figures, "wall seconds (0 work when resumed)": 0 }));
    expect(stable(resumed)).toEqual(stable(sections));
    // The same checkpoints (step and checksum): no super-network trained further.
    const checkpoints = (log: string[]) =>
      log.filter((l) => l.includes("super-network trained")).map((l) => l.replace(/, \d+ s\)$/, ")"));
    expect(checkpoints(again)).toHaveLength(settings);
    expect(checkpoints(again)).toEqual(checkpoints(lines).slice(settings));
    const [searchOnly] = await fidelity({ ...config, only: "search", log: () => {} });
    expect(stable([searchOnly!])).toEqual(stable(sections.slice(1 + settings)));
  });

  it("trains each architecture alone with several seeds (accuracy their mean) and measures the settings asked for", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fidelity-seeds-"));
    try {
      const config = tinyConfig(dir, { seeds: [1], aloneSeeds: 2, settings: [4], log: () => {} });
      const [alone] = await fidelity({ ...config, only: "alone" });
      expect(alone!.figures.architectures).toBe(8);
      const sections = await fidelity(config);
      // The default is always measured (the search comparison runs on it), then the settings asked for.
      expect(sections.map((s) => s.name)).toEqual([
        "fidelity: architectures trained alone",
        `fidelity: ${SETTINGS[0].name}`,
        `fidelity: ${SETTINGS[4].name}`,
        "fidelity: evolution against random search",
      ]);
      expect(sections[0]!.figures["seeds per architecture trained alone (accuracy: their mean)"]).toBe(2);
      // Two bundles per architecture; the reported accuracies are the means of each pair.
      const runs = await readdir(join(dir, "alone"));
      expect(runs).toHaveLength(16);
      const tests = await Promise.all(
        runs.map(async (r) => JSON.parse(await readFile(join(dir, "alone", r, "metrics.json"), "utf8")).testAccuracy),
      );
      const reported = String(sections[0]!.figures["stand-alone test accuracies"]).split(" ").map(Number);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(Math.abs(mean(reported) - mean(tests))).toBeLessThan(1e-3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads its options from the environment and refuses values it does not know, naming the variable", async () => {
    const config = await configFromEnv({ FIDELITY_ONLY: "alone", FIDELITY_SETTINGS: "4,1", FIDELITY_ALONE_SEEDS: "2" });
    expect(config).toMatchObject({ only: "alone", settings: [4, 1], aloneSeeds: 2 });
    await expect(configFromEnv({ FIDELITY_ONLY: "supernet" })).rejects.toThrow(
      /FIDELITY_ONLY must be one of supernets, search, alone/,
    );
    expect((await configFromEnv({ FIDELITY_ALONE_SHARD: "1/2" })).aloneShard).toEqual({ index: 1, count: 2 });
    for (const shard of ["2/2", "1", "a/b"])
      await expect(configFromEnv({ FIDELITY_ALONE_SHARD: shard })).rejects.toThrow(
        /FIDELITY_ALONE_SHARD must be index\/count/,
      );
    await expect(configFromEnv({ FIDELITY_SETTINGS: "0,11" })).rejects.toThrow(/FIDELITY_SETTINGS: 11 is not an index/);
    const none = await configFromEnv({ FIDELITY_ALONE_SEEDS: "0" });
    await expect(fidelity({ ...none, job: tinyConfig("/nonexistent", {}).job, log: () => {} })).rejects.toThrow(
      /FIDELITY_ALONE_SEEDS must be a whole number >= 1/,
    );
  });
});

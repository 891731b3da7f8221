// The ranking-fidelity bench (bench/fidelity.ts) end to end on tiny synthetic data: its figures for every
// super-network setting and the search comparison, then a second run that resumes from the cached pieces alone.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NasSearchInput } from "@vitnas/formats";
import { afterAll, describe, expect, it } from "vitest";
import { type FidelityConfig, fidelity, SETTINGS } from "../bench/fidelity";

const tiny = JSON.parse(await readFile(join(import.meta.dirname, "../examples/tiny.json"), "utf8")) as NasSearchInput;

describe("fidelity bench", () => {
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("measures tau per setting and type, evolution against random, and resumes from prepared or cached pieces", async () => {
    work = await mkdtemp(join(tmpdir(), "fidelity-"));
    const lines: string[] = [];
    const config: FidelityConfig = {
      // 2 attention types, 8 architectures: 4 use each, enough for a tau within each type.
      job: {
        ...tiny,
        dataset: { kind: "synthetic", train: 64, val: 32, test: 32, seed: 3 },
        supernet: { ...tiny.supernet, epochs: 1, archsPerStep: 3 },
      } as NasSearchInput,
      archs: 8,
      population: 3,
      generations: 1,
      seeds: [1, 2],
      work,
      log: (line) => lines.push(line),
    };
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
      "attentionWeights shared, sandwich true, distill true, archBatch split",
    );
    expect(sections[3]!.figures["super-network"]).toBe(
      "attentionWeights per-type, sandwich false, distill false, archBatch split",
    );
    expect(sections[4]!.figures["super-network"]).toBe(
      "attentionWeights per-type, sandwich true, distill true, archBatch whole",
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
});

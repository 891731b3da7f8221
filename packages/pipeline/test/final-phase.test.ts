// The final phase: front architectures trained as standalone models after the search, measured on the test split,
// resumable without training anything twice; fine-tuning starts from exactly the inherited weights.
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { spaceOfArch } from "@vitnas/formats";
import { extract, initBackend, largestSubnet, Supernet } from "@vitnas/supernet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ParetoEntry,
  type ProgressEvent,
  runSearch,
  type SearchResult,
  spreadAlongFront,
  winsOverBaselines,
} from "../src/index";
import { loadWeights } from "../src/start-weights";
import { tinyJob } from "./fixtures/tiny-job";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "pipeline-final-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("spreadAlongFront", () => {
  const front = [
    { id: "a", macs: 10, accuracy: 0.5 },
    { id: "b", macs: 20, accuracy: 0.6 },
    { id: "c", macs: 30, accuracy: 0.9 },
    { id: "d", macs: 40, accuracy: 0.7 },
    { id: "e", macs: 50, accuracy: 0.8 },
  ];
  it("spreads over MACs from the cheapest to the costliest", () => {
    expect(spreadAlongFront(front, 3).map((p) => p.id)).toEqual(["a", "c", "e"]);
  });
  it("always keeps the most accurate", () => {
    expect(spreadAlongFront(front, 2).map((p) => p.id)).toEqual(["a", "c"]);
    expect(spreadAlongFront(front, 1).map((p) => p.id)).toEqual(["c"]);
  });
  it("takes the whole front when asked for more, and nothing for 0", () => {
    expect(spreadAlongFront(front, 9)).toHaveLength(5);
    expect(spreadAlongFront(front, 0)).toEqual([]);
  });
});

describe("winsOverBaselines", () => {
  const front = [
    { id: "a", macs: 10, accuracy: 0.5, params: 1 },
    { id: "b", macs: 30, accuracy: 0.7, params: 1 },
  ];
  const trained = (id: string, testAccuracy: number) => ({
    id,
    testAccuracy,
    valAccuracy: 0,
    mode: "finetune" as const,
    epochs: 1,
    bundle: "",
  });
  const baseline = (macs: number, testAccuracy: number) => ({
    ...trained("x", testAccuracy),
    name: `b${macs}`,
    macs,
    params: 1,
  });
  it("counts a trained architecture that beats every baseline at its MACs or above", () => {
    const final = [trained("a", 0.8), trained("b", 0.85)];
    // a (10 MACs) beats the 20-MAC baseline; b (30 MACs) has none at or above its MACs to beat.
    expect(winsOverBaselines({ front, final, baselines: [baseline(20, 0.75)] }).map((w) => w.id)).toEqual(["a"]);
    expect(winsOverBaselines({ front, final, baselines: [baseline(20, 0.82)] })).toEqual([]);
    expect(winsOverBaselines({ front, final, baselines: [baseline(40, 0.84)] }).map((w) => w.id)).toEqual(["b"]);
    expect(winsOverBaselines({ front, final, baselines: [baseline(40, 0.9)] })).toEqual([]);
    // No baseline at or above its MACs: nothing to beat, no claim.
    expect(winsOverBaselines({ front, final, baselines: [baseline(5, 0.1)] })).toEqual([]);
  });
});

describe("fine-tuning's start", () => {
  it("writes an extracted sub-network's weights into the one-architecture network it trains", async () => {
    await initBackend({ force: "cpu", log: null });
    const job = tinyJob();
    const big = Supernet.create(job.space, { seed: 5, attentionWeights: "per-type" });
    const arch = largestSubnet(job.space);
    // A smaller block inside a stage, so a tensor lands in the leading corner of a larger variable.
    arch.stages[0]!.blocks[0]!.heads = Math.min(...job.space.stages[0]!.heads);
    const model = extract(big, arch);
    const small = Supernet.create(spaceOfArch(arch), { seed: 9 });
    try {
      loadWeights(small, model);
      const images = tf.randomNormal([
        2,
        arch.input.imageSize,
        arch.input.imageSize,
        arch.input.channels,
      ]) as tf.Tensor4D;
      const want = await model.predict(images).data();
      const got = await small.predict(arch, images).data();
      expect(Math.max(...Array.from(want, (x, i) => Math.abs(x - got[i]!)))).toBeLessThan(1e-5);
    } finally {
      for (const x of [big, small, model]) x.dispose();
    }
  });
});

describe("runSearch with a final phase", () => {
  const job = tinyJob((doc) => {
    // More training images than the search's 96 (final.train): the winners train on 128 + the 48 validation ones.
    doc.final = { top: 2, epochs: 1, train: 128 };
    doc.baselines = { builtin: ["smallest"] };
  });
  const work = () => join(root, "work");
  const out = () => join(root, "out");
  let result: SearchResult;
  const events: ProgressEvent[] = [];

  beforeAll(async () => {
    result = await runSearch(job, {
      workDir: work(),
      outDir: out(),
      backend: "wasm",
      onProgress: (e) => events.push(e),
    });
  }, 300_000);

  it("trains the asked number of front architectures, the most accurate among them, and measures them on test", () => {
    expect(result.final).toHaveLength(Math.min(2, result.front.length));
    const best = result.front.reduce((b, c) => (c.accuracy > b.accuracy ? c : b));
    expect(result.final.map((f) => f.id)).toContain(best.id);
    for (const f of result.final) {
      expect(f.mode).toBe("finetune");
      expect(f.epochs).toBe(1);
      expect(f.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(f.testAccuracy).toBeLessThanOrEqual(1);
      const metrics = JSON.parse(readFileSync(join(out(), f.bundle, "metrics.json"), "utf8"));
      expect(metrics.testAccuracy).toBe(f.testAccuracy);
      expect(metrics.searchAccuracy).toBe(result.front.find((p) => p.id === f.id)!.accuracy);
      expect(metrics.training).toMatchObject({ kind: "standalone", epochs: 1, trainOnVal: true, trainImages: 176 });
      expect(metrics.training.dataset.train).toBe(128);
      expect(metrics.training.startedFrom).toBe(result.supernetCheckpoint);
    }
  });

  it("trains the baselines the same way, beside the front", () => {
    expect(result.baselines.map((b) => [b.name, b.bundle, b.mode, b.epochs])).toEqual([
      ["uniform-smallest", "baselines/uniform-smallest", "finetune", 1],
    ]);
    const written = JSON.parse(readFileSync(join(out(), "baselines.json"), "utf8"));
    expect(written).toEqual(result.baselines);
    const metrics = JSON.parse(readFileSync(join(out(), "baselines/uniform-smallest/metrics.json"), "utf8"));
    expect(metrics.testAccuracy).toBe(result.baselines[0]!.testAccuracy);
    expect(metrics.macs).toBe(result.baselines[0]!.macs);
    expect(metrics.training.trainImages).toBe(176);
  });

  it("writes report.md and pareto.svg: the front, the trained models, the baselines", () => {
    const report = readFileSync(join(out(), "report.md"), "utf8");
    for (const p of result.front) expect(report).toContain(`\`${p.id}\``);
    for (const f of result.final) expect(report).toContain(`${(100 * f.testAccuracy).toFixed(2)}%`);
    expect(report).toMatch(/## Baselines[\s\S]*uniform-smallest/);
    expect(report).toMatch(/more accurate than every baseline|No trained front architecture/);
    const svg = readFileSync(join(out(), "pareto.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    for (const legend of ["candidates (inherited, validation)", "trained (test)", "baselines (test)"])
      expect(svg).toContain(legend);
    expect(svg).toContain("uniform-smallest");
  });

  it("records the trained figures in pareto.json and reports the phase's progress up to done", () => {
    const pareto = JSON.parse(readFileSync(join(out(), "pareto.json"), "utf8")) as ParetoEntry[];
    const trained = pareto.filter((p) => p.final);
    expect(trained.map((p) => p.id).sort()).toEqual(result.final.map((f) => f.id).sort());
    expect(trained[0]!.final!.bundle).toMatch(/^trained\//);
    const phases = events.map((e) => e.phase);
    expect(phases.indexOf("final")).toBeGreaterThan(phases.lastIndexOf("export"));
    const percents = events.map((e) => e.percent);
    expect(percents.every((p, i) => i === 0 || p >= percents[i - 1]!)).toBe(true);
    expect(events.at(-1)!.phase).toBe("done");
  });

  it("resumed, trains nothing again; aborted during the phase, resumes to the same result", async () => {
    const bundle = join(out(), result.final[0]!.bundle, "weights.bin");
    const before = statSync(bundle).mtimeMs;
    const again: ProgressEvent[] = [];
    const second = await runSearch(job, {
      workDir: work(),
      outDir: out(),
      backend: "wasm",
      onProgress: (e) => again.push(e),
    });
    expect(second.final).toEqual(result.final);
    expect(second.baselines).toEqual(result.baselines);
    expect(statSync(bundle).mtimeMs).toBe(before);
    expect(again.some((e) => e.phase === "final" && e.step !== undefined)).toBe(false);

    // A fresh output directory: the final trainings run again; abort at their first step, then resume.
    const controller = new AbortController();
    const other = join(root, "out-2");
    await expect(
      runSearch(job, {
        workDir: work(),
        outDir: other,
        backend: "wasm",
        signal: controller.signal,
        onProgress: (e) => {
          if (e.phase === "final" && e.step !== undefined) controller.abort();
        },
      }),
    ).rejects.toThrow(/abort/);
    const resumed = await runSearch(job, { workDir: work(), outDir: other, backend: "wasm" });
    expect(resumed.final.map((f) => f.id)).toEqual(result.final.map((f) => f.id));
    expect(resumed.final.map((f) => f.testAccuracy)).toEqual(result.final.map((f) => f.testAccuracy));
  }, 300_000);
});

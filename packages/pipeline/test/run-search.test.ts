import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "@vitnas/datasets";
import { archHash, countArch, validateArch } from "@vitnas/formats";
import { Evolution, type EvolutionState } from "@vitnas/search";
import { StandaloneModel } from "@vitnas/supernet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CandidateRecord,
  type ParetoEntry,
  type ProgressEvent,
  runSearch,
  type SearchResult,
  standaloneAccuracy,
} from "../src/index";
import { tinyJob } from "./fixtures/tiny-job";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "pipeline-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const job = tinyJob();

/** Every file under `dir`, relative. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

const dominates = (a: ParetoEntry, b: ParetoEntry) =>
  a.accuracy >= b.accuracy && a.macs <= b.macs && (a.accuracy > b.accuracy || a.macs < b.macs);

describe("runSearch", () => {
  let result: SearchResult;
  const events: ProgressEvent[] = [];
  const candidates: CandidateRecord[] = [];
  let out: string;

  beforeAll(async () => {
    out = join(root, "fresh", "out");
    result = await runSearch(job, {
      workDir: join(root, "fresh", "work"),
      outDir: out,
      backend: "wasm",
      onProgress: (e) => events.push(e),
      onCandidate: (c) => candidates.push(c),
    });
  });

  it("reports every evaluated candidate once and progress up to done", () => {
    expect(candidates.length).toBe(result.candidatesEvaluated);
    expect(new Set(candidates.map((c) => c.id)).size).toBe(candidates.length);
    expect(result.evaluatedThisRun).toBe(candidates.length);
    const percents = events.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ phase: "done", percent: 100, candidatesEvaluated: candidates.length });
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(["dataset", "supernet", "search", "export", "done"]));
    const training = events.flatMap((e) => (e.kind === "supernet-step" && e.loss !== undefined ? [e] : []));
    expect(training.length).toBeGreaterThan(0);
    expect(training.every((e) => Number.isFinite(e.loss) && (e.imagesPerSec ?? 0) > 0)).toBe(true);
  });

  it("reports each evaluation, and each generation's end once with the evolution's own front and hypervolume", () => {
    const state = JSON.parse(readFileSync(join(root, "fresh", "work", "evolution.json"), "utf8")) as EvolutionState;
    const evolution = Evolution.restore(state);
    const ends = events.flatMap((e) => (e.kind === "generation" ? [e] : []));
    expect(ends.map((e) => e.generation)).toEqual(state.summaries.map((s) => s.generation));
    expect(ends.map((e) => e.hypervolume)).toEqual(state.summaries.map((s) => s.hypervolume));
    expect(ends.map((e) => e.candidatesEvaluated)).toEqual(state.summaries.map((s) => s.totalEvaluated));
    expect(ends.map((e) => e.front.length)).toEqual(state.summaries.map((s) => s.frontSize));
    // The last generation's front is the evolution's.
    expect(ends.at(-1)!.front.map((p) => p.id)).toEqual(evolution.front.map((c) => c.id));
    // Each generation's end follows the evaluation that ended it; evaluations carry no front.
    const evaluations = events.filter((e) => e.kind === "evaluation");
    expect(evaluations.length).toBe(candidates.length + 1);
    expect(evaluations.every((e) => !("front" in e))).toBe(true);
    for (const end of ends) {
      const before = events[events.indexOf(end) - 1];
      expect(before).toMatchObject({ kind: "evaluation", candidatesEvaluated: end.candidatesEvaluated });
    }
    // Every event says its kind, and each kind keeps to its phase.
    const phases = new Map(events.map((e) => [e.kind, e.phase]));
    expect(Object.fromEntries(phases)).toEqual({
      dataset: "dataset",
      "supernet-step": "supernet",
      evaluation: "search",
      generation: "search",
      export: "export",
      done: "done",
    });
    expect(events.at(-1)).toMatchObject({
      kind: "done",
      generation: state.summaries.at(-1)!.generation,
      generations: job.search.generations,
      epochs: job.supernet.epochs,
    });
  });

  it("writes a pareto.json whose entries are on the front of every candidate", () => {
    const pareto = JSON.parse(readFileSync(join(out, "pareto.json"), "utf8")) as ParetoEntry[];
    expect(pareto.map((p) => p.id).sort()).toEqual(result.front.map((p) => p.id).sort());
    expect(pareto.length).toBeGreaterThan(0);
    for (const a of pareto) {
      expect(a.id).toBe(archHash(a.arch));
      expect(countArch(a.arch)).toMatchObject({ macs: a.macs, params: a.params });
      for (const b of pareto) expect(dominates(b, a)).toBe(false);
    }
    // Nothing evaluated beats the front: every candidate is on it or dominated by (or equal to) a point of it.
    const all = candidates.map((c) => ({ ...c, arch: c.arch }));
    for (const c of all) {
      const covered = pareto.some(
        (p) => p.id === c.id || dominates(p, c) || (p.accuracy === c.accuracy && p.macs === c.macs),
      );
      expect(covered).toBe(true);
    }
  });

  it("exports a complete bundle per front architecture, loadable without the super-network", async () => {
    const data = await loadDataset(job.dataset, job.space.input);
    const pareto = JSON.parse(readFileSync(join(out, "pareto.json"), "utf8")) as ParetoEntry[];
    for (const point of result.front) {
      const dir = join(out, "architectures", point.id);
      expect(files(dir).sort()).toEqual(
        ["README.md", "arch.json", "metrics.json", "preprocessing.json", "weights.bin", "weights.json"].sort(),
      );
      const arch = validateArch(JSON.parse(readFileSync(join(dir, "arch.json"), "utf8")));
      expect(arch.ok && archHash(arch.value)).toBe(point.id);
      const metrics = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8"));
      expect(metrics).toMatchObject({
        id: point.id,
        macs: point.macs,
        params: point.params,
        searchAccuracy: point.accuracy,
        dataset: job.dataset,
        split: { name: "val", count: data.val.count, fingerprint: data.fingerprint },
        supernetCheckpoint: result.supernetCheckpoint,
        seed: job.seed,
        latency: { runtime: "onnxruntime", threads: 1, batch: 1, warmup: 5, runs: 50 },
      });
      // The same figure in pareto.json and the result; p90 at or above the median.
      expect(metrics.latency).toEqual(point.latency);
      expect(pareto.find((p) => p.id === point.id)?.latency).toEqual(metrics.latency);
      expect(metrics.latency.p90Ms).toBeGreaterThanOrEqual(metrics.latency.medianMs);
      const preprocessing = JSON.parse(readFileSync(join(dir, "preprocessing.json"), "utf8"));
      expect(preprocessing).toMatchObject({ classNames: data.classNames, normalization: data.normalization });
      const card = readFileSync(join(dir, "README.md"), "utf8");
      expect(card).toContain(point.id);
      expect(card).toContain(`| latency, ONNX Runtime, batch 1 | ${metrics.latency.medianMs} ms median`);
      const model = await StandaloneModel.load(dir);
      try {
        expect(model.paramCount()).toBe(point.params);
        expect(await standaloneAccuracy(model, data.val)).toBe(metrics.accuracy);
      } finally {
        model.dispose();
      }
    }
    // Temporary files and directories never stay behind.
    expect(files(join(root, "fresh")).filter((f) => /\.tmp|\.old/.test(f))).toEqual([]);
  });

  it("resumes after an abort in training and one in the search, re-evaluating nothing cached", async () => {
    const work = join(root, "aborted", "work");
    const outDir = join(root, "aborted", "out");
    // 1. Abort during super-network training, after the third step.
    const first = new AbortController();
    await expect(
      runSearch(job, {
        workDir: work,
        outDir,
        backend: "wasm",
        signal: first.signal,
        onProgress: (e) => {
          if (e.phase === "supernet" && e.step === 3) first.abort();
        },
      }),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(existsSync(join(work, "supernet", "checkpoint.json"))).toBe(true);
    expect(existsSync(join(outDir, "pareto.json"))).toBe(false);

    // 2. Resume; it continues at step 3, then abort after three evaluations of the search.
    const second = new AbortController();
    const resumedSteps: number[] = [];
    let evaluated = 0;
    await expect(
      runSearch(job, {
        workDir: work,
        outDir,
        backend: "wasm",
        signal: second.signal,
        onProgress: (e) => {
          if (e.phase === "supernet" && e.step !== undefined) resumedSteps.push(e.step);
        },
        onCandidate: () => {
          if (++evaluated === 3) second.abort();
        },
      }),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(resumedSteps[0]).toBe(3);

    // 3. Resume to the end: the same result as the uninterrupted run, without evaluating the three again.
    const finished = await runSearch(job, { workDir: work, outDir, backend: "wasm" });
    expect(finished.supernetCheckpoint).toBe(result.supernetCheckpoint);
    expect(finished.candidatesEvaluated).toBe(result.candidatesEvaluated);
    expect(finished.evaluatedThisRun).toBe(result.candidatesEvaluated - 3);
    // Latency is measured again on every export, so it is the one figure that may differ.
    const unmeasured = <P extends { latency?: unknown }>(points: P[]) => points.map(({ latency, ...rest }) => rest);
    const paretoOf = (dir: string) => JSON.parse(readFileSync(join(dir, "pareto.json"), "utf8")) as ParetoEntry[];
    expect(unmeasured(finished.front)).toEqual(unmeasured(result.front));
    expect(unmeasured(paretoOf(outDir))).toEqual(unmeasured(paretoOf(out)));
  });

  it("refuses a work directory that belongs to another job", async () => {
    const other = tinyJob((doc) => {
      doc.seed = 99;
    });
    await expect(runSearch(other, { workDir: join(root, "fresh", "work"), backend: "wasm" })).rejects.toThrow(
      /belongs to another job/,
    );
  });

  it("rejects at once when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      runSearch(job, { workDir: join(root, "never"), backend: "wasm", signal: controller.signal }),
    ).rejects.toMatchObject({ name: "AbortError" });
  });
});

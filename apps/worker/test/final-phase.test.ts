// The final phase through the worker: the trained architectures and their bundles recorded once per (search,
// architecture), the phase's progress and losses kept apart from the super-network's, and a search stopped in the
// middle of the phase resumed without training a finished model again; the baselines, report.md and pareto.svg stored
// under their own kinds and the baselines recorded once per (search, name) however often the search runs.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { NasSearch } from "@vitnas/formats";
import { enqueueSearch } from "@vitnas/queue";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, tinyJob, waitFor } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  delete process.env.COUNTING_RUNNER_STEP_MS;
});

const statusOf = async (id: string) => (await h.db.searches.get(id))?.status;
/** The architectures the counting runner trained, in order, one line per training. */
const trainedLog = (id: string) =>
  readFile(join(h.store.root, "searches", id, "work", "final.log"), "utf8").then(
    (text) => text.trim().split("\n").filter(Boolean),
    () => [] as string[],
  );

async function submitWithFinal(
  top: number,
  epochs: number,
  builtin: NasSearch["baselines"]["builtin"] = [],
): Promise<string> {
  const job = tinyJob();
  job.final = { ...job.final, top, epochs, mode: "finetune" };
  job.baselines = { ...job.baselines, builtin };
  const { search } = await h.db.searches.create({ teamId: h.teamId, job });
  await enqueueSearch(h.queue, search.id);
  return search.id;
}

/** The counting runner's front, most accurate first: what its final phase trains. */
async function mostAccurate(id: string, n: number) {
  const page = await h.db.candidates.query({ searchId: id, sort: "-accuracy", limit: n });
  return page.items;
}

describe("the final phase through the worker", () => {
  it("records each trained architecture's figures and bundle, and its progress as phase final", async () => {
    const worker = await h.startWorker();
    try {
      const id = await submitWithFinal(2, 3);
      await waitFor("success", async () => (await statusOf(id)) === "succeeded");

      const picks = await mostAccurate(id, 2);
      const final = await h.db.finalTrainings.list(id);
      expect(final).toEqual(
        picks.map((c) => ({
          id: c.id,
          testAccuracy: Math.round((c.accuracy + 0.05) * 1000) / 1000,
          valAccuracy: c.accuracy,
          epochs: 3,
          mode: "finetune",
        })),
      );
      const trained = await h.db.artifacts.list(id, undefined, "trained");
      expect(trained.map((a) => [a.archHash, a.path.split("/").slice(3).join("/")]).sort()).toEqual(
        picks
          .flatMap((c) => [`trained/${c.id}/arch.json`, `trained/${c.id}/metrics.json`].map((p) => [c.id, p]))
          .sort(),
      );
      // The inherited bundles are recorded apart, one per front point.
      expect(await h.db.artifacts.list(id, picks[0]!.id, "bundle")).toHaveLength(1);

      const events = await h.db.progress.eventsAfter(id, null, 1000);
      const phases = events.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1]);
      expect(phases.slice(-3)).toEqual(["search", "final", "done"]);
      // Each step names the model it trains: written as the super-network's steps are (each model's first at once,
      // the rest at most once a second, the phase's last before the next phase), not one row per step.
      const finalEvents = events.filter((e) => e.phase === "final");
      expect(finalEvents.length).toBeLessThan(2 * 5);
      expect(new Set(finalEvents.map((e) => e.data.message)).size).toBe(2);
      expect(finalEvents.at(-1)?.data).toMatchObject({ step: 5, steps: 5 });
      expect((await h.db.searches.get(id))?.progress).toMatchObject({ phase: "done", percent: 100 });
      const finalLosses = await h.db.progress.metricSeries(id, 1000, "final");
      expect(finalLosses.reduce((n, p) => n + p.count, 0)).toBeGreaterThan(0);
      expect(finalLosses.every((p) => p.loss! <= 1)).toBe(true);
      // The super-network's series holds its own steps only (30 steps, losses 2.3 / step).
      const supernet = await h.db.progress.metricSeries(id, 1000);
      expect(supernet.every((p) => p.imagesPerSec === 1000)).toBe(true);
    } finally {
      await worker.shutdown();
    }
  });

  it("resumes a search stopped during the final phase without training a finished model again", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "60";
    const first = await h.startWorker();
    const id = await submitWithFinal(3, 1);
    await waitFor("the first model trained", async () => (await trainedLog(id)).length >= 1, 30_000);
    await first.shutdown();
    expect(await statusOf(id)).toBe("queued");
    const before = await trainedLog(id);
    expect(before.length).toBeLessThan(3);

    process.env.COUNTING_RUNNER_STEP_MS = "5";
    const second = await h.startWorker();
    try {
      await waitFor("success", async () => (await statusOf(id)) === "succeeded");
      const log = await trainedLog(id);
      expect(log.slice(0, before.length)).toEqual(before);
      expect(new Set(log).size, `each model trained once: ${log.join(", ")}`).toBe(log.length);
      const picks = (await mostAccurate(id, 3)).map((c) => c.id);
      expect([...log].sort()).toEqual([...picks].sort());
      expect((await h.db.finalTrainings.list(id)).map((f) => f.id)).toEqual(picks);
      const trained = await h.db.artifacts.list(id, undefined, "trained");
      expect(new Set(trained.map((a) => a.path)).size).toBe(trained.length);
      expect(trained).toHaveLength(2 * picks.length);
    } finally {
      await second.shutdown();
    }
  });

  it("stores the report, its chart and the baselines under their kinds, and records the baselines once per name", async () => {
    const worker = await h.startWorker();
    try {
      const id = await submitWithFinal(1, 2, ["smallest", "largest"]);
      await waitFor("success", async () => (await statusOf(id)) === "succeeded");
      const expected = ["smallest", "largest"].map((pick, i) => ({
        name: `uniform-${pick}`,
        arch: { format: "vit-arch/v1", input: tinyJob().space.input, uniform: pick },
        macs: 500 * (i + 1),
        params: 50 * (i + 1),
        testAccuracy: 0.3 + i / 100,
        valAccuracy: 0.3 + i / 100,
        epochs: 2,
        mode: "finetune",
        bundle: `baselines/uniform-${pick}`,
      }));
      const listed = await h.db.baselines.list(id);
      expect(listed).toEqual(expected.map((b) => ({ ...b, id: expect.stringMatching(/^[0-9a-f]{32}$/) })));
      const ids = new Map(listed.map((b) => [b.bundle, b.id]));

      const kinds = async () =>
        (await h.db.artifacts.list(id))
          .filter((a) => a.kind !== "bundle" && a.kind !== "trained")
          .map((a) => [a.path.split("/").slice(3).join("/"), a.kind, a.archHash]);
      const stored = [
        ["baselines.json", "baselines", null],
        ...expected.flatMap((b) =>
          ["arch.json", "metrics.json"].map((f) => [`${b.bundle}/${f}`, "baseline", ids.get(b.bundle)]),
        ),
        ["pareto.json", "pareto", null],
        ["pareto.svg", "report-chart", null],
        ["report.md", "report", null],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(await kinds()).toEqual(stored);
      const figures = JSON.parse(await readFile(join(h.store.root, "searches", id, "out", "baselines.json"), "utf8"));
      expect(figures.map((b: { name: string }) => b.name)).toEqual(["uniform-smallest", "uniform-largest"]);

      // Run again (as a retried search is): nothing trained twice, no row added.
      expect(await h.db.searches.transition(id, ["succeeded"], "queued")).not.toBeNull();
      await enqueueSearch(h.queue, id);
      await waitFor("success again", async () => (await statusOf(id)) === "succeeded");
      expect(await trainedLog(id)).toHaveLength(3);
      expect(await h.db.baselines.list(id)).toEqual(listed);
      expect(await kinds()).toEqual(stored);
    } finally {
      await worker.shutdown();
    }
  });
});

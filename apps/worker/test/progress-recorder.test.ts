// The progress recorder against a real Postgres: what it writes, how often, and in which batches.
import type { CandidateRecord, EvaluationProgress, FrontPoint, ProgressEvent } from "@vitnas/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbSearchRecords } from "../src/db-search-records";
import { createLogger } from "../src/logger";
import { ProgressRecorder } from "../src/progress-recorder";
import { createHarness, type Harness, tinyJob } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const point = (i: number): FrontPoint => ({
  id: `arch-${i}`,
  accuracy: 0.5 + i / 100,
  macs: 1000 * (i + 1),
  params: 10,
});
const candidate = (i: number): CandidateRecord =>
  ({ ...point(i), generation: 0, arch: { format: "vit-arch/v1", index: i } }) as unknown as CandidateRecord;
const step = (n: number): ProgressEvent => ({
  kind: "supernet-step",
  phase: "supernet",
  percent: n,
  epoch: 0,
  epochs: 1,
  step: n,
  steps: 20,
  loss: 1 / n,
  imagesPerSec: 100 + n,
});
const evaluation = (n: number): EvaluationProgress => ({
  kind: "evaluation",
  phase: "search",
  percent: 80 + n,
  generation: 0,
  generations: 1,
  candidatesEvaluated: n,
});

async function recorderFor() {
  const { search } = await h.db.searches.create({ teamId: h.teamId, job: tinyJob() });
  const records = dbSearchRecords(h.db);
  let now = 0;
  const seen = {
    published: [] as ProgressEvent[],
    jobProgress: [] as { phase: string; percent: number }[],
    throughput: [] as (number | undefined)[],
    evaluated: [] as number[],
    candidateBatches: [] as number[],
  };
  const recorder = new ProgressRecorder(
    search.id,
    {
      records: {
        saveProgress: records.saveProgress,
        setFront: records.setFront,
        upsertCandidates: (id, batch) => {
          seen.candidateBatches.push(batch.length);
          return records.upsertCandidates(id, batch);
        },
      },
      publish: (event) => seen.published.push(event),
      jobProgress: (progress) => seen.jobProgress.push(progress),
      throughput: (value) => seen.throughput.push(value),
      evaluated: (count) => seen.evaluated.push(count),
      logger: createLogger("test", { LOG_LEVEL: "warn" }),
    },
    { snapshotEveryMs: 1000, liveEveryMs: 250, now: () => now },
  );
  const stored = async () =>
    (await h.db.progress.eventsAfter(search.id, null, 1000)).map((e) => e.data as unknown as ProgressEvent);
  return { id: search.id, recorder, seen, stored, at: (ms: number) => (now = ms) };
}

describe("progress recorder", () => {
  it("throttles training steps, keeps each phase's last one, and publishes live more often", async () => {
    const { id, recorder, seen, stored, at } = await recorderFor();
    for (let n = 1; n <= 20; n++) {
      at(n * 100);
      recorder.progress(step(n));
    }
    at(2100);
    recorder.progress(evaluation(1));
    await recorder.flush();
    const events = await stored();
    // The first step (a new phase), the next a second later, the phase's last before the next phase, then the search.
    expect(events.map((e) => (e.kind === "supernet-step" ? e.step : e.kind))).toEqual([1, 11, 20, "evaluation"]);
    expect(seen.jobProgress.map((p) => p.percent)).toEqual([1, 11, 81]);
    expect(seen.published.map((e) => (e.kind === "supernet-step" ? e.step : e.kind))).toEqual([
      1,
      4,
      7,
      10,
      13,
      16,
      19,
      "evaluation",
    ]);
    expect(seen.throughput).toEqual([...Array.from({ length: 20 }, (_, i) => 101 + i), undefined]);
    // Each phase's steps with a loss are training metrics.
    const metrics = await h.db.progress.metricSeries(id, 100);
    expect(metrics.map((m) => m.step)).toEqual([1, 11, 20]);
  });
  it("writes candidates in batches, and each generation's front when the evolution says it ended", async () => {
    const { id, recorder, seen, stored, at } = await recorderFor();
    at(0);
    recorder.candidate(candidate(0));
    recorder.progress(evaluation(1));
    at(100);
    recorder.candidate(candidate(1));
    recorder.progress(evaluation(2));
    at(200);
    recorder.candidate(candidate(2));
    recorder.progress(evaluation(3));
    // Inside the throttle window: the last two candidates wait for the next snapshot or front.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.candidateBatches).toEqual([1]);
    const front = [point(1), point(2)];
    recorder.progress({ ...evaluation(3), kind: "generation", front, hypervolume: 0.25 });
    await recorder.flush();
    expect(seen.candidateBatches).toEqual([1, 2]);
    expect(await h.db.candidates.count(id)).toBe(3);
    const fronts = await h.db.fronts.list(id);
    expect(fronts.map((f) => [f.generation, f.points.map((p) => p.id), f.hypervolume])).toEqual([
      [0, ["arch-1", "arch-2"], 0.25],
    ]);
    expect(recorder.frontsWritten).toBe(1);
    // Only growth of the evaluated count is new work (the first count may be a resumed run's).
    expect(seen.evaluated).toEqual([1, 1]);
    // The generation's end is stored at once, without its front (the fronts table keeps it); live, it has it.
    const events = await stored();
    expect(events.map((e) => e.kind)).toEqual(["evaluation", "generation"]);
    expect("front" in events[1]!).toBe(false);
    expect(seen.published.at(-1)).toMatchObject({ kind: "generation", front });

    // The process died: the snapshot says so, on the last event that was no generation's end.
    at(250);
    recorder.restarted("search process died: killed by SIGKILL");
    // The run's end stands for the last generation's front.
    at(300);
    recorder.progress({
      kind: "done",
      phase: "done",
      percent: 100,
      epochs: 1,
      generation: 0,
      generations: 0,
      candidatesEvaluated: 3,
      front: [point(2)],
      hypervolume: 0.2,
    });
    await recorder.flush();
    expect((await stored()).slice(2).map((e) => [e.kind, e.message])).toEqual([
      ["evaluation", "search process died: killed by SIGKILL"],
      ["done", undefined],
    ]);
    expect((await h.db.fronts.list(id)).map((f) => [f.generation, f.points.length, f.hypervolume])).toEqual([
      [0, 1, 0.2],
    ]);
    expect(recorder.frontsWritten).toBe(2);
  });
});

// NAS_THREADS in the pipeline: the super-network phase trains with that many threads and stops them when it ends;
// the search phase evaluates a generation on several threads at once and records exactly what one thread records,
// in the same order.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "@vitnas/datasets";
import { initBackend, type Supernet } from "@vitnas/supernet";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProgressClock } from "../src/progress";
import { runEvolution } from "../src/search-phase";
import { trainSupernet } from "../src/supernet-phase";
import type { CandidateRecord } from "../src/types";
import { workDirLayout } from "../src/work-dir";
import { tinyJob } from "./fixtures/tiny-job";

const job = tinyJob((doc) => {
  doc.search!.generations = 3;
});
const before = process.env.NAS_THREADS;
let root: string;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  root = await mkdtemp(join(tmpdir(), "pipeline-threads-"));
});
afterEach(() => {
  if (before === undefined) delete process.env.NAS_THREADS;
  else process.env.NAS_THREADS = before;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("NAS_THREADS", { timeout: 600_000 }, () => {
  let supernet: Supernet;
  let dispose: () => void;
  const data = loadDataset(job.dataset, job.space.input);

  it("trains the super-network on that many threads and stops them when training ends", async () => {
    process.env.NAS_THREADS = "2";
    const { train, val } = await data;
    const { trainer } = await trainSupernet(job, train, val, join(root, "supernet"), new ProgressClock(undefined), {
      backend: "cpu",
    });
    expect(trainer.done).toBe(true);
    expect(trainer.parallel?.threads).toBe(2);
    expect(trainer.parallel?.alive).toBe(0);
    supernet = trainer.supernet;
    dispose = () => {
      trainer.dispose();
      trainer.supernet.dispose();
    };
  });

  it("evaluates a generation on several threads, recording what one thread records", async () => {
    const { val, fingerprint } = await data;
    const run = async (threads: string) => {
      process.env.NAS_THREADS = threads;
      const work = workDirLayout(join(root, `search-${threads}`));
      const candidates: CandidateRecord[] = [];
      const { evolution, computed } = await runEvolution(
        job,
        supernet,
        { ...val, fingerprint },
        "step6",
        work,
        new ProgressClock(undefined),
        { backend: "cpu", onCandidate: (c) => candidates.push(c) },
      );
      return { state: evolution.state, computed, candidates };
    };
    const one = await run("1");
    const two = await run("2");
    expect(two.computed).toBe(one.computed);
    expect(one.candidates.length).toBeGreaterThan(job.search.population);
    expect(new Set(one.candidates.map((c) => c.accuracy)).size).toBeGreaterThan(1);
    expect(two.candidates).toEqual(one.candidates);
    expect(two.state).toEqual(one.state);
    dispose();
  });
});

// The front's measured latency (search.latency): every front architecture timed in ONNX Runtime once, and the
// limit `maxMs` applied to the measured figures.
import { archHash, countArch, createRng, sampleArch } from "@vitnas/formats";
import type { Candidate } from "@vitnas/search";
import { initBackend, Supernet } from "@vitnas/supernet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureFront } from "../src/front-latency";
import { ProgressClock } from "../src/progress";
import { tinyJob } from "./fixtures/tiny-job";

const job = tinyJob();
let supernet: Supernet;
let candidates: Candidate[];

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  supernet = Supernet.create(job.space, { seed: 1 });
  const rng = createRng(5);
  const archs = new Map(Array.from({ length: 6 }, () => sampleArch(job.space, rng)).map((a) => [archHash(a), a]));
  // Accuracy rising with MACs: every candidate is on the front.
  candidates = [...archs.values()]
    .map((arch) => ({ arch, ...countArch(arch) }))
    .sort((a, b) => a.macs - b.macs)
    .map(({ arch, macs, params }, i) => ({
      id: archHash(arch),
      arch,
      accuracy: 0.1 * (i + 1),
      macs,
      params,
      generation: 0,
      origin: "random" as const,
      parents: [],
    }));
});
afterAll(() => supernet?.dispose());

const context = () => ({ backend: "cpu", clock: new ProgressClock(undefined) });
const withLatency = (over: Partial<typeof job.search.latency>) => ({
  ...job,
  search: { ...job.search, latency: { ...job.search.latency, ...over } },
});

describe("measureFront", () => {
  it("times each front architecture in ONNX Runtime, threads and runs stated", async () => {
    expect(candidates.length).toBeGreaterThan(1);
    const { front, latency } = await measureFront(
      withLatency({ runs: 7 }),
      candidates,
      candidates,
      supernet,
      context(),
    );
    expect(front.map((c) => c.id)).toEqual(candidates.map((c) => c.id));
    expect([...latency.keys()].sort()).toEqual(candidates.map((c) => c.id).sort());
    for (const l of latency.values()) {
      expect(l).toMatchObject({ runtime: "onnxruntime", threads: 1, batch: 1, warmup: 5, runs: 7 });
      expect(l.medianMs).toBeGreaterThan(0);
      expect(l.p90Ms).toBeGreaterThanOrEqual(l.medianMs);
      expect(l.cpu.length).toBeGreaterThan(0);
    }
  });

  it("measures nothing when the job says so", async () => {
    const { front, latency } = await measureFront(
      withLatency({ measure: false }),
      candidates,
      candidates,
      supernet,
      context(),
    );
    expect(front).toEqual(candidates);
    expect(latency.size).toBe(0);
  });

  it("keeps the front under a generous limit and fails naming the fastest when none meets it", async () => {
    const generous = await measureFront(
      withLatency({ runs: 3, maxMs: 1e6 }),
      candidates,
      candidates,
      supernet,
      context(),
    );
    expect(generous.front.map((c) => c.id)).toEqual(candidates.map((c) => c.id));
    await expect(
      measureFront(withLatency({ runs: 3, maxMs: 1e-6 }), candidates, candidates, supernet, context()),
    ).rejects.toThrow(
      /no evaluated architecture runs within search\.latency\.maxMs 0.000001 ms: the fastest measured took/,
    );
  });
});

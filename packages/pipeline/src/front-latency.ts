// The front's measured latency (a job's `search.latency`, docs/export.md "Latency"): each front architecture
// extracted from the super-network, exported to ONNX in memory and timed at batch 1 in ONNX Runtime on this
// machine's CPU. With `maxMs` the front is the front of the candidates within it (packages/search's latencyFront):
// members over it are set aside and the front drawn again, so more architectures than the front's may be measured.

import type { OnnxLatency } from "@vitnas/export";
import type { NasSearch } from "@vitnas/formats";
import { type Candidate, latencyFront } from "@vitnas/search";
import { extract, type Supernet } from "@vitnas/supernet";
import { throwIfAborted } from "./abort";
import type { ProgressClock } from "./progress";

export interface MeasuredFront {
  front: Candidate[];
  /** Each front architecture's latency, by id; empty when the job measures none. */
  latency: Map<string, OnnxLatency>;
}

export async function measureFront(
  job: NasSearch,
  candidates: readonly Candidate[],
  evolutionFront: readonly Candidate[],
  supernet: Supernet,
  context: { backend: string; clock: ProgressClock; signal?: AbortSignal },
): Promise<MeasuredFront> {
  const { measure, threads, runs, maxMs } = job.search.latency;
  if (!measure) return { front: [...evolutionFront], latency: new Map() };
  const { measureLatency } = await import("@vitnas/export");
  const latency = new Map<string, OnnxLatency>();
  // Without a limit the evolution's front is the answer: only its members are measured.
  const { front, excluded } = await latencyFront(
    maxMs === undefined ? evolutionFront : candidates,
    async (c) => {
      throwIfAborted(context.signal);
      const model = extract(supernet, c.arch);
      try {
        const measured = await measureLatency(model, { threads, runs });
        latency.set(c.id, measured);
        context.clock.report(0, {
          kind: "export",
          backend: context.backend,
          message: `${c.id}: ${measured.medianMs} ms median, ${measured.p90Ms} ms p90 (ONNX Runtime, ${threads} thread(s))`,
        });
        return measured.medianMs;
      } finally {
        model.dispose();
      }
    },
    maxMs,
  );
  if (front.length === 0) {
    const fastest = Math.min(...[...latency.values()].map((l) => l.medianMs));
    throw new Error(
      `no evaluated architecture runs within search.latency.maxMs ${maxMs} ms: the fastest measured took ${fastest} ms ` +
        `(median, ONNX Runtime, ${threads} thread(s))`,
    );
  }
  if (excluded.length > 0) {
    context.clock.report(0, {
      kind: "export",
      backend: context.backend,
      message: `${excluded.length} architecture(s) over search.latency.maxMs ${maxMs} ms left out of the front`,
    });
  }
  const kept = new Map(front.map((c) => [c.id, latency.get(c.id)!]));
  return { front, latency: kept };
}

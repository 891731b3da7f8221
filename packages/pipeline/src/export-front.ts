// The export phase: a bundle per architecture of the front, then pareto.json, written last so that its presence
// means every bundle it names is complete.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedDataset } from "@vitnas/datasets";
import type { OnnxLatency } from "@vitnas/export";
import { COUNTER_VERSION, type NasSearch, type VitArch } from "@vitnas/formats";
import type { Candidate } from "@vitnas/search";
import { extract, type Supernet } from "@vitnas/supernet";
import { throwIfAborted } from "./abort";
import { writeJsonAtomic } from "./atomic-file";
import { writeBundle } from "./bundle";
import type { FinalResult } from "./final-results";
import type { ProgressClock } from "./progress";
import { ensureWritableDir } from "./work-dir";

export interface ParetoEntry {
  id: string;
  accuracy: number;
  macs: number;
  /**
   * The MACs counter's version that gave `macs` (docs/model-conventions.md, "Counter version"); always written,
   * absent in files written before it was recorded: version 1.
   */
  counterVersion?: number;
  params: number;
  /** Batch-1 latency in ONNX Runtime on the CPU that ran the search (`search.latency`); absent when not measured. */
  latency?: OnnxLatency;
  arch: VitArch;
  /** Present when the final phase trained this architecture: its trained model's figures and bundle. */
  final?: { testAccuracy: number; valAccuracy: number; mode: "finetune" | "scratch"; epochs: number; bundle: string };
}

export async function exportFront(
  job: NasSearch,
  front: readonly Candidate[],
  supernet: Supernet,
  data: LoadedDataset,
  outDir: string,
  context: { checkpoint: string; backend: string; clock: ProgressClock; signal?: AbortSignal },
  latency: ReadonlyMap<string, OnnxLatency> = new Map(),
): Promise<ParetoEntry[]> {
  const archDir = join(outDir, "architectures");
  await ensureWritableDir(archDir, "output directory");
  for (const [i, c] of front.entries()) {
    throwIfAborted(context.signal);
    const model = extract(supernet, c.arch);
    try {
      await writeBundle(join(archDir, c.id), {
        model,
        arch: c.arch,
        id: c.id,
        searchAccuracy: c.accuracy,
        macs: c.macs,
        params: c.params,
        latency: latency.get(c.id),
        data,
        dataset: job.dataset,
        supernetCheckpoint: context.checkpoint,
        seed: job.seed,
        backend: context.backend,
        job: job.name,
      });
    } finally {
      model.dispose();
    }
    context.clock.report((i + 1) / front.length, {
      kind: "export",
      backend: context.backend,
      message: `exported ${c.id}`,
    });
  }
  // Bundles left by an earlier export of another front (a search run again into the same directory).
  const keep = new Set(front.map((c) => c.id));
  for (const name of await readdir(archDir)) if (!keep.has(name)) await rm(join(archDir, name), { recursive: true });
  const pareto: ParetoEntry[] = front.map(({ id, accuracy, macs, params, arch }) => ({
    id,
    accuracy,
    macs,
    counterVersion: COUNTER_VERSION,
    params,
    ...(latency.has(id) ? { latency: latency.get(id)! } : {}),
    arch,
  }));
  await writeJsonAtomic(join(outDir, "pareto.json"), pareto);
  return pareto;
}

/** pareto.json again, with the final phase's figures on the architectures it trained. */
export async function writeParetoWithFinal(outDir: string, pareto: ParetoEntry[], final: readonly FinalResult[]) {
  const byId = new Map(final.map(({ id, ...rest }) => [id, rest]));
  await writeJsonAtomic(
    join(outDir, "pareto.json"),
    pareto.map((entry) => (byId.has(entry.id) ? { ...entry, final: byId.get(entry.id)! } : entry)),
  );
}

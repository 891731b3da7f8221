// Finished searches written straight into Postgres, for browser tests of result pages that need no training: the
// search is submitted through the API (so it is the team's, with its job), its candidates are real architectures
// of the job's space with their real MACs, and its front is recorded per generation with its hypervolume, as the
// worker records them. A job with a final phase also gets what the worker writes after it: final_trainings rows
// for front architectures, the final trainings' loss, the baselines' rows, and (given the artifact store) the
// trained and inherited bundles and the report files; or it is left running in the final phase.

import { type LocalArtifactStore, searchKey } from "@vitnas/artifacts";
import type { CandidateInput, Db, ProgressSnapshot } from "@vitnas/db";
import {
  archHash,
  countArch,
  createRng,
  type NasSearch,
  type NasSearchInput,
  sampleArch,
  type UniformPick,
  uniformArch,
  validateJob,
} from "@vitnas/formats";
import { hypervolume, ParetoFront, referenceMacs } from "@vitnas/search";

/** The accuracy each attention type of stage 1 brings; nothing else matters but a little noise. */
export const ATTENTION_ACCURACY: Record<string, number> = { softmax: 0.82, performer: 0.74, fnet: 0.66 };

/** The job's optional sections: the final phase and baselines (docs/final-phase.md). */
export type JobSections = Pick<NasSearchInput, "final" | "baselines">;

export function seedJob(name: string, macsMax?: number, sections: JobSections = {}): NasSearch {
  const stage = (widths: number[], depth: number[], heads: number[], mlpHidden: number[], attention: string[]) => ({
    widths,
    headDim: 16,
    depth,
    heads,
    mlpHidden,
    attention,
    reduction: ["none", "residual"],
  });
  const result = validateJob({
    format: "nas-search/v1",
    name,
    space: {
      format: "vit-space/v1",
      input: { imageSize: 32, channels: 3, classes: 10 },
      stem: { convs: [], patch: { kernel: 4, stride: 4 } },
      stages: [
        stage([32, 48, 64], [1, 2, 3, 4], [1, 2], [64, 96, 128], ["softmax", "performer", "fnet"]),
        stage([64, 96, 128], [1, 2, 3], [2, 4], [128, 256], ["softmax", "xnorm", "mixer"]),
      ],
    },
    dataset: { kind: "synthetic", classes: 10, imageSize: 32, train: 256, val: 64, seed: 3 },
    supernet: { epochs: 1, batchSize: 32 },
    search: { population: 4, generations: 1, ...(macsMax ? { constraints: { macs: { max: macsMax } } } : {}) },
    seed: 5,
    ...sections,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

export interface SeededSearch {
  id: string;
  job: NasSearch;
  candidates: CandidateInput[];
  /** The front architectures the final phase "trained", with their test accuracy. */
  trained: { id: string; testAccuracy: number; valAccuracy: number; epochs: number; mode: string }[];
}

/** What the final phase "measured": a few points above the inherited accuracy, so the two never coincide. */
export const TRAINED_GAIN = 0.04;

export interface FinalPhaseSeed {
  /** Files the worker would have stored (bundles, report.md, pareto.svg); without it only the rows are written. */
  store?: LocalArtifactStore;
  /** Leave the search running in the final phase with this progress event instead of finishing it. */
  running?: ProgressSnapshot;
}

/**
 * Submits `job` with the key, records `count` distinct candidates over `generations` generations (accuracy times
 * `scale`) and each generation's front, and marks the search succeeded.
 */
export async function seedSearch(
  url: string,
  apiKey: string,
  db: Db,
  job: NasSearch,
  options: { count: number; generations?: number; scale?: number; seed?: number; final?: FinalPhaseSeed },
): Promise<SeededSearch> {
  const response = await fetch(`${url}/v1/searches`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(job),
  });
  if (response.status !== 201) throw new Error(`submitting ${job.name}: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  const generations = options.generations ?? 5;
  const rng = createRng(options.seed ?? 1);
  const byId = new Map<string, CandidateInput>();
  for (let tries = 0; byId.size < options.count && tries < options.count * 20; tries++) {
    const arch = sampleArch(job.space, rng);
    const archId = archHash(arch);
    if (byId.has(archId)) continue;
    const blocks = arch.stages[0]!.blocks;
    const signal = blocks.reduce((s, b) => s + ATTENTION_ACCURACY[b.attention.type]!, 0) / blocks.length;
    const noise = (Number.parseInt(archId.slice(0, 6), 16) / 0xffffff - 0.5) * 0.02;
    const { macs, params } = countArch(arch);
    const generation = Math.floor((byId.size * generations) / options.count);
    byId.set(archId, { id: archId, arch, accuracy: (options.scale ?? 1) * (signal + noise), macs, params, generation });
  }
  const candidates = [...byId.values()];
  await db.candidates.upsert(id, candidates);
  const reference = referenceMacs(job.space, job.search);
  const front = new ParetoFront<CandidateInput>();
  for (let g = 0; g < generations; g++) {
    for (const c of candidates) if (c.generation === g) front.insert(c);
    await db.fronts.set(id, g, front.points, hypervolume(front.points, reference));
  }
  await db.searches.markRunning(id, "cpu");
  const trained = job.final.top > 0 ? await seedFinalPhase(db, id, job, front.points, options.final ?? {}) : [];
  if (options.final?.running) await db.progress.report(id, options.final.running);
  else await db.searches.markSucceeded(id);
  return { id, job, candidates, trained };
}

/**
 * The final phase's results as the worker records them: the `top` cheapest front architectures trained (test
 * accuracy TRAINED_GAIN above the inherited), their loss under phase "final", the job's builtin baselines with
 * their real MACs, and with a store the bundles (inherited for the whole front, trained for those trained, the
 * baselines') and the report's two files.
 */
async function seedFinalPhase(
  db: Db,
  id: string,
  job: NasSearch,
  front: readonly CandidateInput[],
  seed: FinalPhaseSeed,
): Promise<SeededSearch["trained"]> {
  const picks = [...front].sort((a, b) => a.macs - b.macs).slice(0, job.final.top);
  const trained = picks.map((c) => ({
    id: c.id,
    testAccuracy: c.accuracy + TRAINED_GAIN,
    valAccuracy: c.accuracy + TRAINED_GAIN / 2,
    epochs: job.final.epochs,
    mode: job.final.mode,
  }));
  const started = Date.now() - 60_000;
  await db.progress.recordMetrics(
    id,
    Array.from({ length: 40 }, (_, step) => ({
      at: new Date(started + step * 1000),
      phase: "final",
      epoch: Math.floor(step / 20) + 1,
      step: step + 1,
      loss: 2 / (1 + step / 5),
      imagesPerSec: 400 + (step % 7) * 10,
    })),
  );
  if (seed.running) return trained;
  await db.finalTrainings.replace(id, trained);
  const baselines = job.baselines.builtin.map((pick: UniformPick, i) => {
    const arch = uniformArch(job.space, pick);
    const { macs, params } = countArch(arch);
    const testAccuracy = 0.6 + 0.05 * i;
    return {
      name: `uniform-${pick}`,
      id: archHash(arch),
      arch,
      macs,
      params,
      testAccuracy,
      valAccuracy: testAccuracy + 0.01,
      epochs: job.final.epochs,
      mode: job.final.mode,
      bundle: `baselines/uniform-${pick}`,
    };
  });
  await db.baselines.replace(id, baselines);
  const { store } = seed;
  if (!store) return trained;
  const put = async (kind: string, path: string[], text: string, archHash?: string) => {
    const stored = await store.put(searchKey(id, "out", ...path), text);
    await db.artifacts.record({ searchId: id, ...(archHash ? { archHash } : {}), kind, ...pathOf(stored) });
  };
  for (const c of front) {
    const metrics = { id: c.id, accuracy: c.accuracy, macs: c.macs };
    await put("bundle", ["architectures", c.id, "arch.json"], JSON.stringify(c.arch), c.id);
    await put("bundle", ["architectures", c.id, "metrics.json"], JSON.stringify(metrics), c.id);
  }
  for (const t of trained) {
    const metrics = { id: t.id, testAccuracy: t.testAccuracy, training: { kind: "standalone", mode: t.mode } };
    await put("trained", ["trained", t.id, "metrics.json"], JSON.stringify(metrics), t.id);
  }
  for (const b of baselines) {
    await put(
      "baseline",
      [...b.bundle.split("/"), "metrics.json"],
      JSON.stringify({ testAccuracy: b.testAccuracy }),
      b.id,
    );
  }
  await put("report", ["report.md"], `# ${job.name}\n\n![accuracy against MACs](pareto.svg)\n`);
  await put(
    "report-chart",
    ["pareto.svg"],
    '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="240" viewBox="0 0 480 240">' +
      '<rect width="480" height="240" fill="#eef2ff"/><circle cx="240" cy="120" r="60" fill="#7c3aed"/></svg>',
  );
  return trained;
}

const pathOf = (stored: { key: string; size: number; sha256: string }) => ({
  path: stored.key,
  size: stored.size,
  sha256: stored.sha256,
});

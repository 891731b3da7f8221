// Finished searches written straight into Postgres, for browser tests of result pages that need no training: the
// search is submitted through the API (so it is the team's, with its job), its candidates are real architectures
// of the job's space with their real MACs, and its front is recorded per generation with its hypervolume, as the
// worker records them.
import type { CandidateInput, Db } from "@vitnas/db";
import { archHash, countArch, createRng, type NasSearch, sampleArch, validateJob } from "@vitnas/formats";
import { hypervolume, ParetoFront, referenceMacs } from "@vitnas/search";

/** The accuracy each attention type of stage 1 brings; nothing else matters but a little noise. */
export const ATTENTION_ACCURACY: Record<string, number> = { softmax: 0.82, performer: 0.74, fnet: 0.66 };

export function seedJob(name: string, macsMax?: number): NasSearch {
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
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

export interface SeededSearch {
  id: string;
  job: NasSearch;
  candidates: CandidateInput[];
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
  options: { count: number; generations?: number; scale?: number; seed?: number },
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
  await db.searches.markSucceeded(id);
  return { id, job, candidates };
}

// The analysis routes over real HTTP against a real Postgres: parallel coordinates of every candidate (the scatter's
// sample, the whole front kept), choice importance on candidates whose accuracy depends on one choice only, and
// fronts of several searches compared on one hypervolume scale; each scoped to the team and described in OpenAPI.

import type { CandidateInput } from "@vitnas/db";
import { archHash, countArch, createRng, type NasSearch, sampleArch, validateJob } from "@vitnas/formats";
import { archChoices, hypervolume, referenceMacs, stageOutline } from "@vitnas/search";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness";

const ATTENTION_ACCURACY: Record<string, number> = { softmax: 0.8, performer: 0.7, fnet: 0.6 };

function analysisJob(name: string, macsMax?: number): NasSearch {
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
        stage([32, 48], [1, 2, 3], [1, 2], [64, 96], ["softmax", "performer", "fnet"]),
        stage([48, 64], [1, 2], [2, 4], [96, 128], ["softmax", "xnorm"]),
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

/**
 * `count` distinct architectures of the job's space with their real MACs; accuracy is the mean over stage 1's
 * blocks of a value per attention type (scaled by `scale`), plus a little noise no choice explains.
 */
function candidatesOf(job: NasSearch, count: number, seed: number, scale = 1): CandidateInput[] {
  const rng = createRng(seed);
  const byId = new Map<string, CandidateInput>();
  for (let tries = 0; byId.size < count && tries < count * 20; tries++) {
    const arch = sampleArch(job.space, rng);
    const id = archHash(arch);
    if (byId.has(id)) continue;
    const blocks = arch.stages[0]!.blocks;
    const signal = blocks.reduce((s, b) => s + ATTENTION_ACCURACY[b.attention.type]!, 0) / blocks.length;
    const noise = (Number.parseInt(id.slice(0, 6), 16) / 0xffffff - 0.5) * 0.01;
    const { macs, params } = countArch(arch);
    byId.set(id, { id, arch, accuracy: scale * (signal + noise), macs, params, generation: byId.size % 4 });
  }
  return [...byId.values()];
}

let h: Harness;
let baseUrl: string;
let team: Awaited<ReturnType<Harness["team"]>>;
let other: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;
let candidates: CandidateInput[];

async function get<T = Record<string, unknown>>(path: string, auth = team.auth): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, { headers: auth });
  return { status: response.status, body: (await response.json()) as T };
}

async function submit(job: NasSearch): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/searches`, {
    method: "POST",
    headers: { ...team.auth, "content-type": "application/json" },
    body: JSON.stringify(job),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

interface Row {
  id: string;
  accuracy: number;
  macs: number;
  count?: number;
  position: string | null;
  stages: ReturnType<typeof stageOutline>[];
}

beforeAll(async () => {
  h = await startHarness();
  baseUrl = await h.app.listen({ port: 0, host: "127.0.0.1" });
  team = await h.team("analysis");
  other = await h.team("others");
  const job = analysisJob("analysis");
  searchId = await submit(job);
  candidates = candidatesOf(job, 3000, 1);
  await h.db.candidates.upsert(searchId, candidates);
});
afterAll(async () => {
  await h?.close();
});

describe("GET /v1/searches/:id/parallel", () => {
  it("outlines every candidate's stages when they fit, each as its architecture says", async () => {
    const { status, body } = await get<{
      total: number;
      downsampled: boolean;
      stages: number;
      front: Row[];
      others: Row[];
    }>(`/v1/searches/${searchId}/parallel`);
    expect(status).toBe(200);
    expect(body.total).toBe(candidates.length);
    expect(body.downsampled).toBe(false);
    expect(body.stages).toBe(2);
    expect(body.front.length + body.others.length).toBe(candidates.length);
    const byId = new Map(candidates.map((c) => [c.id, c]));
    for (const row of [...body.front, ...body.others]) {
      const stored = byId.get(row.id)!;
      expect(row.accuracy).toBe(stored.accuracy);
      expect(row.macs).toBe(stored.macs);
      expect(row.position).toBe("learned");
      const stages = (stored.arch as { stages: Parameters<typeof stageOutline>[0][] }).stages;
      expect(row.stages).toEqual(stages.map(stageOutline));
    }
  });

  it("keeps the whole front and samples the others like the scatter, within maxPoints", async () => {
    const front = (await get<{ id: string }[]>(`/v1/searches/${searchId}/pareto`)).body.map((p) => p.id);
    expect(front.length).toBeGreaterThan(3);
    const { body } = await get<{ total: number; downsampled: boolean; front: Row[]; others: Row[] }>(
      `/v1/searches/${searchId}/parallel?maxPoints=300`,
    );
    expect(body.downsampled).toBe(true);
    expect(body.front.map((r) => r.id)).toEqual(front);
    expect(body.front.length + body.others.length).toBeLessThanOrEqual(300);
    // Every other candidate is stood for by one sampled row.
    expect(body.others.reduce((n, r) => n + r.count!, 0)).toBe(candidates.length - front.length);
    const scatter = (await get<{ others: { id: string }[] }>(`/v1/searches/${searchId}/scatter?maxPoints=300`)).body;
    expect(body.others.map((r) => r.id)).toEqual(scatter.others.map((p) => p.id));
  });

  it("refuses maxPoints beyond its bounds", async () => {
    expect((await get(`/v1/searches/${searchId}/parallel?maxPoints=0`)).status).toBe(400);
    expect((await get(`/v1/searches/${searchId}/parallel?maxPoints=20001`)).status).toBe(400);
  });
});

interface ImportanceBody {
  total: number;
  samples: number;
  explained: number;
  choices: {
    key: string;
    label: string;
    importance: number;
    options: { value: string | number; candidates: number; mean: number; std: number; effect: number }[];
  }[];
}

describe("GET /v1/searches/:id/importance", () => {
  it("finds the one choice accuracy depends on, with the accuracy of each of its options", async () => {
    const { status, body } = await get<ImportanceBody>(`/v1/searches/${searchId}/importance`);
    expect(status).toBe(200);
    expect(body.total).toBe(candidates.length);
    expect(body.samples).toBe(candidates.length);
    const [top, ...rest] = body.choices;
    expect(top).toMatchObject({ key: "stages[0].attention", label: "stage 1 attention" });
    expect(top!.importance).toBeGreaterThan(0.99);
    for (const c of rest) expect(c.importance).toBeLessThan(0.01);
    expect(body.explained).toBeGreaterThan(0.95);
    expect(body.choices.map((c) => c.key).sort()).toEqual(
      [
        "stages[0].attention",
        "stages[0].depth",
        "stages[0].heads",
        "stages[0].mlpHidden",
        "stages[0].width",
        "stages[1].attention",
        "stages[1].depth",
        "stages[1].heads",
        "stages[1].mlpHidden",
        "stages[1].reduction",
        "stages[1].width",
      ].sort(),
    );
    // Each attention type's accuracy: weighted by the share of stage 1's blocks using it, computed here directly.
    for (const option of top!.options) {
      let weight = 0;
      let sum = 0;
      let users = 0;
      for (const c of candidates) {
        const share = archChoices(c.arch as never)["stages[0].attention"]!.find((l) => l.value === option.value);
        if (!share) continue;
        users++;
        weight += share.weight;
        sum += share.weight * c.accuracy;
      }
      expect(option.candidates).toBe(users);
      expect(option.mean).toBeCloseTo(sum / weight, 10);
      expect(option.std).toBeGreaterThan(0);
    }
    const effect = Object.fromEntries(top!.options.map((o) => [o.value, o.effect]));
    expect(effect.softmax! - effect.fnet!).toBeCloseTo(0.2, 2);
  });

  it("follows new candidates", async () => {
    const job = analysisJob("growing");
    const id = await submit(job);
    const more = candidatesOf(job, 400, 9);
    await h.db.candidates.upsert(id, more.slice(0, 200));
    expect((await get<ImportanceBody>(`/v1/searches/${id}/importance`)).body.samples).toBe(200);
    await h.db.candidates.upsert(id, more.slice(200));
    expect((await get<ImportanceBody>(`/v1/searches/${id}/importance`)).body.samples).toBe(400);
  });

  it("answers a search without candidates with no choices", async () => {
    const id = await submit(analysisJob("empty"));
    const { status, body } = await get<ImportanceBody>(`/v1/searches/${id}/importance`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ total: 0, samples: 0, explained: 0, choices: [] });
  });
});

describe("GET /v1/searches/compare", () => {
  it("puts the searches' fronts on one hypervolume scale, per generation too", async () => {
    // A second search whose every candidate is less accurate, with a tighter MACs limit (a smaller reference).
    const jobB = analysisJob("weaker", 2_000_000);
    const weaker = await submit(jobB);
    const weakerCandidates = candidatesOf(jobB, 600, 2, 0.9);
    await h.db.candidates.upsert(weaker, weakerCandidates);
    const frontOf = (cs: CandidateInput[]) =>
      cs.filter(
        (c) =>
          !cs.some(
            (d) =>
              d.accuracy >= c.accuracy && d.macs <= c.macs && d !== c && (d.accuracy > c.accuracy || d.macs < c.macs),
          ),
      );
    await h.db.fronts.set(weaker, 0, frontOf(weakerCandidates.slice(0, 100)), 0.1);
    await h.db.fronts.set(weaker, 1, frontOf(weakerCandidates), 0.2);

    const { status, body } = await get<{
      referenceMacs: number;
      searches: {
        id: string;
        name: string;
        total: number;
        hypervolume: number;
        front: { id: string; macs: number; accuracy: number }[];
        generations: { generation: number; hypervolume: number }[];
      }[];
    }>(`/v1/searches/compare?ids=${weaker},${searchId}`);
    expect(status).toBe(200);
    const reference = Math.max(
      referenceMacs(jobB.space, jobB.search),
      referenceMacs(analysisJob("a").space, analysisJob("a").search),
    );
    expect(referenceMacs(jobB.space, jobB.search)).toBe(2_000_000);
    expect(body.referenceMacs).toBe(reference);
    const [b, a] = body.searches;
    expect(b).toMatchObject({ id: weaker, name: "weaker", total: weakerCandidates.length });
    expect(a).toMatchObject({ id: searchId, name: "analysis", total: candidates.length });
    expect(new Set(a!.front.map((p) => p.id))).toEqual(new Set(frontOf(candidates).map((c) => c.id)));
    expect(a!.hypervolume).toBeCloseTo(hypervolume(frontOf(candidates), reference), 12);
    expect(b!.hypervolume).toBeCloseTo(hypervolume(frontOf(weakerCandidates), reference), 12);
    expect(a!.hypervolume).toBeGreaterThan(b!.hypervolume);
    expect(b!.hypervolume).toBeGreaterThan(0);
    // The recorded figures (0.1, 0.2) were against the search's own reference: these are recomputed on the common one.
    expect(b!.generations.map((g) => g.generation)).toEqual([0, 1]);
    expect(b!.generations[1]!.hypervolume).toBeCloseTo(b!.hypervolume, 12);
    expect(b!.generations[0]!.hypervolume).toBeLessThanOrEqual(b!.generations[1]!.hypervolume);
    expect(a!.generations).toEqual([]);
  });

  it("asks for two to eight different searches", async () => {
    for (const ids of [
      searchId,
      `${searchId},${searchId}`,
      "",
      Array.from({ length: 9 }, (_, i) => `s${i}`).join(","),
    ]) {
      const { status, body } = await get<{ error: string; details: { path: string }[] }>(
        `/v1/searches/compare?ids=${ids}`,
      );
      expect(status, ids).toBe(400);
      expect(body.error).toBe("validation_error");
    }
  });
});

describe("scoping and description", () => {
  it("answers 404 for another team's search, and 401 without a key", async () => {
    for (const path of ["parallel", "importance"]) {
      expect((await get(`/v1/searches/${searchId}/${path}`, other.auth)).status).toBe(404);
      expect((await get(`/v1/searches/${searchId}/${path}`, {} as never)).status).toBe(401);
    }
    const mine = await submit(analysisJob("mine"));
    const compared = await get<{ error: string }>(`/v1/searches/compare?ids=${mine},${searchId}`, other.auth);
    expect(compared).toMatchObject({ status: 404, body: { error: "not_found" } });
    expect((await get(`/v1/searches/compare?ids=${mine},00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it("describes the routes in the OpenAPI document", async () => {
    const doc = (
      await get<{
        paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string }[] }>>;
      }>("/openapi.json")
    ).body;
    for (const path of ["/v1/searches/{id}/parallel", "/v1/searches/{id}/importance", "/v1/searches/compare"]) {
      expect(doc.paths[path]?.get?.responses).toHaveProperty("200");
      expect(doc.paths[path]?.get?.responses).toHaveProperty("404");
    }
    expect(doc.paths["/v1/searches/compare"]!.get!.parameters!.map((p) => p.name)).toEqual(["ids"]);
    expect(doc.paths["/v1/searches/{id}/parallel"]!.get!.parameters!.map((p) => p.name).sort()).toEqual([
      "id",
      "maxPoints",
    ]);
  });
});

// API benchmark. (1) GET /v1/searches/:id under load with autocannon, against a bare Fastify route answering a
// constant JSON object, measured side by side in one run (target: the API route keeps > 30% of the bare route's
// throughput). (2) Front and candidate queries over HTTP on a search with 100,000 evaluated candidates, bulk-loaded
// into a scratch database (target: < 100 ms each).
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalArtifactStore } from "@vitnas/artifacts";
import { type CandidateInput, createDb, createScratchDatabase } from "@vitnas/db";
import autocannon from "autocannon";
import Fastify from "fastify";
import type { BenchSection } from "../../../bench/run";
import { buildApp } from "../src/app";
import { redisServices } from "../src/services";

const CANDIDATES = Number(process.env.API_BENCH_CANDIDATES ?? 100_000);
const LOAD_SECONDS = Number(process.env.API_BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;

function archOf(i: number) {
  const width = [64, 96, 128, 192][i % 4]!;
  return {
    format: "vit-arch/v1",
    input: { imageSize: 32, channels: 3, classes: 10 },
    stem: { convs: [], patch: { kernel: 4, stride: 4, padding: 0 } },
    position: "learned",
    classToken: true,
    stages: [
      {
        width,
        headDim: 16,
        reduction: "none",
        blocks: Array.from({ length: 1 + (i % 4) }, (_, b) => ({
          heads: 2 + ((i + b) % 3),
          mlpHidden: width * 2,
          attention: { type: ["softmax", "performer", "fnet"][(i + b) % 3] },
        })),
      },
    ],
  };
}

export function candidates(n: number): CandidateInput[] {
  // mulberry32: a small, well-mixed deterministic generator.
  let s = 12345;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, (_, i) => {
    const macs = Math.floor(2e6 + rand() * 4e8);
    // Accuracy grows with MACs, with noise: a realistic front of a few dozen points.
    const accuracy = 0.3 + 0.08 * Math.log10(macs / 2e6) + rand() * 0.25;
    return {
      id: `arch${i.toString(36).padStart(8, "0")}`,
      arch: archOf(i),
      accuracy,
      macs,
      params: Math.floor(macs / 40),
      generation: i % 50,
    };
  });
}

async function load(url: string, headers: Record<string, string>) {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: LOAD_SECONDS });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  }
  return { rps: result.requests.average, p99: result.latency.p99 };
}

async function median(times: number, run: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(samples.length / 2)]! * 10) / 10;
}

export async function bench(): Promise<BenchSection[]> {
  const scratch = await createScratchDatabase({ prefix: "vitnas_bench" });
  const db = createDb(scratch.url);
  const services = redisServices({
    redisUrl: process.env.REDIS_URL || "redis://127.0.0.1:6379",
    prefix: `api-bench-${randomUUID()}`,
  });
  const artifactsDir = await mkdtemp(join(tmpdir(), "api-bench-"));
  const app = await buildApp({
    db,
    dispatch: services.dispatch,
    live: services.live,
    artifacts: new LocalArtifactStore(artifactsDir),
    rateLimit: { max: 1_000_000_000, timeWindowMs: 60_000 },
  });
  // The same API without its search cache: every request reads Postgres.
  const uncached = await buildApp({
    db,
    dispatch: services.dispatch,
    artifacts: new LocalArtifactStore(artifactsDir),
    rateLimit: { max: 1_000_000_000, timeWindowMs: 60_000 },
    searchCacheMs: 0,
  });
  const bare = Fastify();
  try {
    const team = await db.teams.create("bench");
    const { plaintext } = await db.apiKeys.create(team.id, "bench");
    const auth = { authorization: `Bearer ${plaintext}` };
    const submitted = await app.inject({
      method: "POST",
      url: "/v1/searches",
      headers: auth,
      payload: {
        format: "nas-search/v1",
        name: "bench",
        space: {
          format: "vit-space/v1",
          input: { imageSize: 32, channels: 3, classes: 10 },
          stem: { convs: [], patch: { kernel: 4, stride: 4 } },
          stages: [
            {
              widths: [64, 128],
              headDim: 16,
              depth: [1, 4],
              heads: [2, 4],
              mlpHidden: [128, 256],
              attention: ["softmax"],
            },
          ],
        },
        dataset: { kind: "synthetic" },
      },
    });
    const searchId = submitted.json().id as string;
    await db.progress.report(searchId, {
      phase: "search",
      percent: 63,
      generation: 31,
      generations: 50,
      candidatesEvaluated: CANDIDATES,
      etaSeconds: 420,
    });

    const seedStart = performance.now();
    await db.candidates.upsert(searchId, candidates(CANDIDATES));
    // What autovacuum does after a bulk load: statistics, and the visibility map that lets index-only scans skip rows.
    await db.pool.query("VACUUM ANALYZE candidates");
    const seedMs = performance.now() - seedStart;
    const front = await db.candidates.paretoFront(searchId);
    for (let g = 0; g < 50; g++)
      await db.fronts.set(searchId, g, front.slice(0, Math.max(1, Math.floor((front.length * (g + 1)) / 50))), g / 50);

    // Side by side: the API's search route and a bare route answering a constant of similar size.
    const body = (await app.inject({ url: `/v1/searches/${searchId}`, headers: auth })).json();
    bare.get("/bare", async () => body);
    const apiUrl = await app.listen({ port: 0, host: "127.0.0.1" });
    const bareUrl = await bare.listen({ port: 0, host: "127.0.0.1" });
    const uncachedUrl = await uncached.listen({ port: 0, host: "127.0.0.1" });
    const bareLoad = await load(`${bareUrl}/bare`, {});
    const apiLoad = await load(`${apiUrl}/v1/searches/${searchId}`, auth);
    const uncachedLoad = await load(`${uncachedUrl}/v1/searches/${searchId}`, auth);

    const get = (url: string) => async () => {
      const res = await app.inject({ url: `/v1/searches/${searchId}${url}`, headers: auth });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    };
    const budget = 50_000_000;
    const queries = {
      "pareto front (recorded), ms": await median(15, get("/pareto")),
      "pareto front computed from all candidates, ms": await median(15, async () => {
        await db.candidates.paretoFront(searchId);
      }),
      "most accurate under 50M MACs, ms": await median(15, get(`/candidates?maxMacs=${budget}&sort=-accuracy&limit=1`)),
      "candidates page of 100 by MACs, with archs, ms": await median(15, get("/candidates?sort=macs&limit=100")),
      "candidates page 11 (keyset), ms": await median(15, async () => {
        let cursor = "";
        for (let page = 0; page < 11; page++) {
          const res = await app.inject({
            url: `/v1/searches/${searchId}/candidates?sort=-accuracy&limit=100&arch=false${cursor}`,
            headers: auth,
          });
          cursor = `&cursor=${res.json().nextCursor}`;
        }
      }).then((ms) => Math.round((ms / 11) * 10) / 10),
    };
    // Dashboard reads: the scatter reads every candidate once by design (one hashed pass).
    const dashboard = {
      "scatter maxPoints=5000 (dashboard), ms": await median(9, get("/scatter?maxPoints=5000")),
      "fronts of 50 generations (dashboard), ms": await median(9, get("/fronts")),
      "parallel coordinates maxPoints=5000 (dashboard), ms": await median(9, get("/parallel?maxPoints=5000")),
      // Computed once per candidate count, then kept: the first read is the one that costs.
      "choice importance, first read (10,000 sampled), ms": await median(1, get("/importance")),
      "choice importance, later reads, ms": await median(9, get("/importance")),
    };

    return [
      {
        name: "api: GET /v1/searches/:id under load",
        figures: {
          "connections, seconds": `${CONNECTIONS}, ${LOAD_SECONDS}`,
          "bare route req/s": Math.round(bareLoad.rps),
          "API route req/s": Math.round(apiLoad.rps),
          "API / bare throughput": Math.round((apiLoad.rps / bareLoad.rps) * 1000) / 1000,
          "bare route p99 ms": bareLoad.p99,
          "API route p99 ms": apiLoad.p99,
          "API route without search cache req/s": Math.round(uncachedLoad.rps),
          "API without cache / bare throughput": Math.round((uncachedLoad.rps / bareLoad.rps) * 1000) / 1000,
          "API route without search cache p99 ms": uncachedLoad.p99,
          "target: API / bare > 0.3": apiLoad.rps / bareLoad.rps > 0.3,
        },
      },
      {
        name: `api: queries over ${CANDIDATES} candidates (median)`,
        figures: {
          "bulk load of the candidates, s": Math.round(seedMs / 100) / 10,
          "front size": front.length,
          ...queries,
          "target: every front and candidates query < 100 ms": Object.values(queries).every((ms) => ms < 100),
          ...dashboard,
        },
      },
    ];
  } finally {
    await bare.close();
    await uncached.close();
    await app.close();
    await services.close();
    await db.close();
    await scratch.drop();
    await rm(artifactsDir, { recursive: true, force: true });
  }
}

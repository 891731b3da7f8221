// Shared set-up of the API tests: a scratch database, a unique queue prefix on the local Redis, a temporary artifact
// store, and the app built from them (exercised with `app.inject`).
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalArtifactStore } from "@vitnas/artifacts";
import { createDb, createScratchDatabase, type Db, type ScratchDatabase } from "@vitnas/db";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { type AppOptions, buildApp } from "../src/app";
import { type RedisServices, redisServices } from "../src/services";

export const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

export function tinyJob(name = "tiny"): Record<string, unknown> {
  return {
    format: "nas-search/v1",
    name,
    space: {
      format: "vit-space/v1",
      input: { imageSize: 32, channels: 3, classes: 10 },
      stem: { convs: [], patch: { kernel: 4, stride: 4 } },
      stages: [
        {
          widths: [32, 48],
          headDim: 16,
          depth: [1, 2],
          heads: [1, 2],
          mlpHidden: [64, 96],
          attention: ["softmax", "fnet"],
        },
      ],
    },
    dataset: { kind: "synthetic", classes: 10, imageSize: 32, train: 256, val: 64, seed: 3 },
    supernet: { epochs: 1, batchSize: 32 },
    search: { population: 4, generations: 1 },
    seed: 5,
  };
}

export interface Harness {
  app: FastifyInstance;
  db: Db;
  scratch: ScratchDatabase;
  services: RedisServices;
  redis: Redis;
  prefix: string;
  artifactsDir: string;
  store: LocalArtifactStore;
  /** A new team with one key; `auth` is its Authorization header. */
  team(name?: string): Promise<{ id: string; name: string; key: string; auth: { authorization: string } }>;
  /** A new team with one search submitted over the API and two candidates (1,000 and 2,000 MACs) recorded. */
  searchWithCandidates(teamName: string): Promise<{ team: Awaited<ReturnType<Harness["team"]>>; searchId: string }>;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<AppOptions> = {}): Promise<Harness> {
  const scratch = await createScratchDatabase();
  const db = createDb(scratch.url);
  const prefix = `api-test-${randomUUID()}`;
  const services = redisServices({ redisUrl: REDIS_URL, prefix });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const artifactsDir = await mkdtemp(join(tmpdir(), "api-artifacts-"));
  const store = new LocalArtifactStore(artifactsDir);
  const app = await buildApp({
    db,
    dispatch: services.dispatch,
    live: services.live,
    workers: services.workers,
    artifacts: store,
    readiness: { redis: () => services.ping() },
    authCacheMs: 0,
    rateLimit: false,
    eventPollMs: 100,
    dashboardDir: join(artifactsDir, "no-dashboard"),
    ...overrides,
  });
  const harness: Harness = {
    app,
    db,
    scratch,
    services,
    redis,
    prefix,
    artifactsDir,
    store,
    async team(name = `team-${randomUUID().slice(0, 8)}`) {
      const team = await db.teams.create(name);
      const { plaintext } = await db.apiKeys.create(team.id, "test key");
      return { id: team.id, name, key: plaintext, auth: { authorization: `Bearer ${plaintext}` } };
    },
    async searchWithCandidates(teamName: string) {
      const team = await harness.team(teamName);
      const posted = await app.inject({ method: "POST", url: "/v1/searches", headers: team.auth, payload: tinyJob() });
      const searchId = posted.json().id as string;
      await db.candidates.upsert(searchId, [
        { id: "a1", arch: { format: "vit-arch/v1" }, accuracy: 0.5, macs: 1000, params: 10, generation: 0 },
        { id: "a2", arch: { format: "vit-arch/v1" }, accuracy: 0.6, macs: 2000, params: 20, generation: 0 },
      ]);
      return { team, searchId };
    },
    async close() {
      await app.close();
      await services.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await db.close();
      await scratch.drop();
      await rm(artifactsDir, { recursive: true, force: true });
    },
  };
  return harness;
}

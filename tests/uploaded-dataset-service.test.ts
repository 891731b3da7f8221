// An uploaded dataset end to end: NumPy arrays uploaded over the API, a job naming them by id, a real worker fetching
// the upload by digest into its cache and searching on it, the final phase training on it too; and a search whose
// upload is gone from the store failing with the reason (docs/datasets.md).
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, type RedisServices, redisServices } from "@vitnas/api";
import { LocalArtifactStore } from "@vitnas/artifacts";
import type { NasSearchInput } from "@vitnas/formats";
import { createLogger, settingsFromEnv, startWorkerProcess, type WorkerProcess } from "@vitnas/worker";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { npzArrays, zipArchive } from "../packages/datasets/test/upload-fixtures";
import { tinyJob } from "./fixtures/tiny-job";
import { createService, REDIS_URL, type Service, waitFor } from "./service-harness";

let svc: Service;
let services: RedisServices;
let app: FastifyInstance;
let worker: WorkerProcess;
let cache: string;
let auth: { authorization: string };

beforeAll(async () => {
  svc = await createService();
  cache = await mkdtemp(join(tmpdir(), "service-dataset-cache-"));
  services = redisServices({ redisUrl: REDIS_URL, prefix: svc.prefix });
  app = await buildApp({
    db: svc.db,
    dispatch: services.dispatch,
    live: services.live,
    workers: services.workers,
    artifacts: new LocalArtifactStore(svc.artifactsDir),
    logger: false,
    rateLimit: false,
  });
  auth = { authorization: `Bearer ${(await svc.db.apiKeys.create(svc.teamId, "upload-test")).plaintext}` };
  worker = await startWorkerProcess(
    { ...settingsFromEnv({ ...svc.env, DATASET_CACHE_DIR: cache }), name: "upload-test-worker" },
    createLogger("worker", { LOG_LEVEL: "warn" }),
  );
});

afterAll(async () => {
  await worker?.shutdown();
  await app?.close();
  await services?.close();
  await svc?.close();
  await rm(cache, { recursive: true, force: true });
});

/** 8 x 8 colour images in 2 classes, as an .npz with its own test arrays. */
async function npz(offset: number) {
  const train = npzArrays(240, 8, 2, 3, offset);
  const test = npzArrays(40, 8, 2, 3, offset + 50);
  return zipArchive([
    { name: "x_train.npy", data: train.x },
    { name: "y_train.npy", data: train.y },
    { name: "x_test.npy", data: test.x },
    { name: "y_test.npy", data: test.y },
  ]);
}

async function upload(bytes: Buffer) {
  const res = await app.inject({ method: "POST", url: "/v1/datasets", headers: auth, payload: bytes });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; sha256: string };
}

async function submit(id: string, change: (doc: NasSearchInput) => void = () => {}) {
  const job = tinyJob((doc) => {
    doc.dataset = { kind: "uploaded", id, val: 40 };
    change(doc);
  });
  const res = await app.inject({ method: "POST", url: "/v1/searches", headers: auth, payload: job });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

const finished = (id: string) =>
  waitFor(
    `search ${id} to finish`,
    async () => {
      const search = await svc.db.searches.get(id);
      return search && ["succeeded", "failed"].includes(search.status) ? search : undefined;
    },
    240_000,
    250,
  );

describe("an uploaded dataset through the service", () => {
  it("is fetched by digest into the worker's cache, searched on and trained on in the final phase", async () => {
    const dataset = await upload(await npz(0));
    const id = await submit(dataset.id, (doc) => {
      doc.final = { top: 1, epochs: 1 };
    });
    const search = await finished(id);
    expect([search.status, search.error]).toEqual(["succeeded", null]);
    expect(existsSync(join(cache, dataset.sha256, "x_train.npy"))).toBe(true);
    expect(search.job.dataset).toMatchObject({ kind: "uploaded", sha256: dataset.sha256, format: "npz" });
    const trained = await app.inject({ method: "GET", url: `/v1/searches/${id}/pareto`, headers: auth });
    const front = trained.json() as { testAccuracy: number | null }[];
    expect(front.some((p) => typeof p.testAccuracy === "number")).toBe(true);
  }, 300_000);

  it("fails a search whose upload is no longer in the store, saying so", async () => {
    const dataset = await upload(await npz(7));
    // The bytes vanish behind the service's back (an operator's clean-up).
    await rm(join(svc.artifactsDir, "datasets", dataset.sha256), { recursive: true, force: true });
    const search = await finished(await submit(dataset.id));
    expect(search.status).toBe("failed");
    expect(search.error).toMatch(new RegExp(`^dataset.id: uploaded dataset ${dataset.id} cannot be read: .*not found`));
  }, 120_000);
});

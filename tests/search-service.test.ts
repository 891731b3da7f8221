// The service end to end: the REST API (buildApp) and a real worker on a scratch database and the local Redis, from
// submission to a downloaded export bundle; cancellation through the API, and a resume that continues from the
// checkpoints the cancelled run left.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, type RedisServices, redisServices } from "@vitnas/api";
import { LocalArtifactStore } from "@vitnas/artifacts";
import { validateArch } from "@vitnas/formats";
import { createLogger, settingsFromEnv, startWorkerProcess, type WorkerProcess } from "@vitnas/worker";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointReaches, checkpointStep, createService, REDIS_URL, type Service, waitFor } from "./service-harness";

let svc: Service;
let services: RedisServices;
let app: FastifyInstance;
let worker: WorkerProcess;
let auth: { authorization: string };

const fixture = () => JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "tiny-search.json"), "utf8"));

beforeAll(async () => {
  svc = await createService();
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
  const { plaintext } = await svc.db.apiKeys.create(svc.teamId, "service-test");
  auth = { authorization: `Bearer ${plaintext}` };
  worker = await startWorkerProcess(
    { ...settingsFromEnv(svc.env), name: "service-test-worker" },
    createLogger("worker", { LOG_LEVEL: "warn" }),
  );
});

afterAll(async () => {
  await worker?.shutdown();
  await app?.close();
  await services?.close();
  await svc?.close();
});

async function submit(job: Record<string, unknown>): Promise<string> {
  const res = await app.inject({ method: "POST", url: "/v1/searches", headers: auth, payload: job });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

async function searchView(id: string) {
  const res = await app.inject({ method: "GET", url: `/v1/searches/${id}`, headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json() as {
    status: string;
    backend: string | null;
    error: string | null;
    progress: Record<string, unknown> | null;
  };
}

const statusBecomes = (id: string, status: string, timeoutMs = 180_000) =>
  waitFor(
    `search ${id} to be ${status}`,
    async () => {
      const view = await searchView(id);
      if (view.status === "failed" && status !== "failed") throw new Error(`search failed: ${view.error}`);
      return view.status === status ? view : undefined;
    },
    timeoutMs,
    250,
  );

describe("the search service", () => {
  it("takes a search from submission over the API to a downloaded export bundle", async () => {
    const id = await submit(fixture());
    const done = await statusBecomes(id, "succeeded");
    expect(done.backend).toBe(worker.worker.selfTest.backend);

    const pareto = await app.inject({ method: "GET", url: `/v1/searches/${id}/pareto`, headers: auth });
    expect(pareto.statusCode).toBe(200);
    const front = pareto.json() as { id: string; accuracy: number; macs: number }[];
    expect(front.length).toBeGreaterThan(0);

    const download = await app.inject({
      method: "GET",
      url: `/v1/searches/${id}/architectures/${front[0]!.id}/download`,
      headers: auth,
    });
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toBe("application/gzip");
    const bytes = download.rawPayload;
    expect(download.headers["x-content-sha256"]).toBe(createHash("sha256").update(bytes).digest("hex"));

    const dir = await mkdtemp(join(tmpdir(), "bundle-"));
    try {
      await writeFile(join(dir, "bundle.tar.gz"), bytes);
      execFileSync("tar", ["-xzf", "bundle.tar.gz"], { cwd: dir });
      const root = join(dir, front[0]!.id);
      const files = await readdir(root);
      expect(files).toEqual(expect.arrayContaining(["arch.json", "metrics.json", "preprocessing.json", "README.md"]));
      const arch = validateArch(JSON.parse(readFileSync(join(root, "arch.json"), "utf8")));
      expect(arch.ok).toBe(true);
      const metrics = JSON.parse(readFileSync(join(root, "metrics.json"), "utf8"));
      expect(metrics).toMatchObject({ id: front[0]!.id, macs: front[0]!.macs });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it("cancels a running search through the API, and a resume continues from its checkpoint", async () => {
    const job = fixture();
    job.dataset.train = 2048;
    const id = await submit(job);
    await checkpointReaches(svc.artifactsDir, id, 4);
    const cancel = await app.inject({ method: "POST", url: `/v1/searches/${id}/cancel`, headers: auth });
    expect(cancel.statusCode).toBe(200);
    await waitFor("the worker to stop the search", async () => worker.worker.runningSearches().length === 0, 60_000);
    expect((await searchView(id)).status).toBe("cancelled");
    const stoppedAt = checkpointStep(svc.artifactsDir, id);
    expect(stoppedAt).toBeGreaterThanOrEqual(4);
    expect(stoppedAt).toBeLessThan(2048 / job.supernet.batchSize);

    const resume = await app.inject({ method: "POST", url: `/v1/searches/${id}/resume`, headers: auth });
    expect(resume.statusCode).toBe(200);
    await statusBecomes(id, "succeeded");
    const events = await svc.db.progress.eventsAfter(id, null, 100_000);
    expect(events.some((e) => e.data.message === `resuming super-network training at step ${stoppedAt}`)).toBe(true);
  }, 240_000);
});

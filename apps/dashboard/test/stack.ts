// The whole service for a browser test: a scratch Postgres database, a unique queue prefix on the local Redis, the
// real API (`buildApp`) on a random port serving the built dashboard, and a real worker process consuming the queue.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildApp, redisServices } from "@vitnas/api";
import { LocalArtifactStore, storeDatasetBlobs } from "@vitnas/artifacts";
import { createDb, createScratchDatabase, type Db, type ScratchDatabase } from "@vitnas/db";
import { DIST_DIR, ensureDashboardBuilt } from "../scripts/ensure-built";

const REPO = resolve(import.meta.dirname, "../../..");
const WORKER_MAIN = join(REPO, "apps/worker/src/main.ts");
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

export interface Stack {
  url: string;
  db: Db;
  apiKey: string;
  teamName: string;
  /** The artifact store the API reads (bundles, reports), for tests that seed files a search would have written. */
  artifacts: LocalArtifactStore;
  /** What the worker printed, for failure messages. */
  workerLog(): string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Start a worker consuming the queue (default true); tests that seed results into Postgres need none. */
  worker?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  ensureDashboardBuilt();
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const scratch: ScratchDatabase = await createScratchDatabase({ prefix: "vitnas_dashboard" });
    cleanups.push(() => scratch.drop());
    const db = createDb(scratch.url);
    cleanups.push(() => db.close());
    const teamName = `vision-${randomUUID().slice(0, 8)}`;
    const team = await db.teams.create(teamName);
    const { plaintext: apiKey } = await db.apiKeys.create(team.id, "dashboard-test");

    const artifactsDir = await mkdtemp(join(tmpdir(), "dashboard-artifacts-"));
    cleanups.push(() => rm(artifactsDir, { recursive: true, force: true }));
    const prefix = `dashboard-test-${randomUUID()}`;

    const services = redisServices({ redisUrl: REDIS_URL, prefix });
    cleanups.push(() => services.close());
    const artifacts = new LocalArtifactStore(artifactsDir);
    const app = await buildApp({
      db,
      dispatch: services.dispatch,
      live: services.live,
      workers: services.workers,
      artifacts,
      datasetBlobs: storeDatasetBlobs(artifacts),
      dashboardDir: DIST_DIR,
      rateLimit: false,
      eventPollMs: 250,
    });
    cleanups.push(() => app.close());
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === "string") throw new Error("the API did not report a TCP port");

    const worker = ((options.worker ?? true) ? startWorker : noWorker)({
      REDIS_URL,
      DATABASE_URL: scratch.url,
      ARTIFACTS_DIR: artifactsDir,
      QUEUE_PREFIX: prefix,
      WORKER_NAME: `dashboard-test-worker-${process.pid}`,
      WORKER_CANCEL_POLL_MS: "500",
      LOG_LEVEL: "warn",
    });
    cleanups.push(() => worker.stop());

    return {
      url: `http://127.0.0.1:${address.port}`,
      db,
      apiKey,
      teamName,
      artifacts,
      workerLog: worker.log,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

const noWorker = (): { log(): string; stop(): Promise<void> } => ({ log: () => "(no worker)", stop: async () => {} });

/** The worker as production runs it: its own process from apps/worker/src/main.ts. */
function startWorker(env: Record<string, string>): { log(): string; stop(): Promise<void> } {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", WORKER_MAIN], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  return {
    log: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// Shared set-up of the service tests: a scratch database, a unique queue prefix on the local Redis, a temporary
// artifact store, and worker processes started the way `npm run worker` starts them.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createDb, createScratchDatabase, type Db, type ScratchDatabase } from "@vitnas/db";
import type { NasSearch } from "@vitnas/formats";
import { createSearchQueue, enqueueSearch, type SearchQueue } from "@vitnas/queue";
import { Redis } from "ioredis";

export const ROOT = resolve(import.meta.dirname, "..");
// REDIS_URL and NAS_BACKEND (default wasm) may point the tests elsewhere.
const { REDIS_URL: redisFromEnv, NAS_BACKEND: backendFromEnv } = process.env;
export const REDIS_URL = redisFromEnv || "redis://127.0.0.1:6379";

import { tinyJob } from "./fixtures/tiny-job";

export { tinyJob };

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The training step of a search's latest supernet checkpoint in the artifact store, or 0 before the first. */
export function checkpointStep(artifactsDir: string, searchId: string): number {
  const file = join(artifactsDir, "searches", searchId, "work", "supernet", "checkpoint.json");
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { trainer: { step: number } }).trainer.step;
  } catch {
    // Not written yet.
    return 0;
  }
}

/**
 * Polls the checkpoint often (training a tiny job takes well under a second per checkpoint interval) until it
 * reaches `step`; returns the step seen.
 */
export function checkpointReaches(artifactsDir: string, searchId: string, step: number): Promise<number> {
  return waitFor(
    `a supernet checkpoint at step ${step}`,
    async () => {
      const seen = checkpointStep(artifactsDir, searchId);
      return seen >= step ? seen : undefined;
    },
    120_000,
    5,
  );
}

export interface WorkerProc {
  child: ChildProcess;
  name: string;
  /** stdout and stderr so far (pino JSON lines). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the worker and the search processes it started, as a crashing machine would. */
  killHard(): void;
}

export interface Service {
  scratch: ScratchDatabase;
  db: Db;
  redis: Redis;
  queue: SearchQueue;
  prefix: string;
  artifactsDir: string;
  teamId: string;
  env: Record<string, string>;
  submit(job?: NasSearch): Promise<string>;
  /** Waits for the search to succeed; throws with its error as soon as it fails. */
  succeeds(searchId: string, timeoutMs?: number): Promise<void>;
  /** Starts `apps/worker/src/main.ts` in its own process group. */
  spawnWorker(name: string, env?: Record<string, string>): WorkerProc;
  /** Kills every worker started so far (a failed test leaves none behind to take the next test's jobs). */
  killWorkers(): Promise<void>;
  close(): Promise<void>;
}

export async function createService(): Promise<Service> {
  const scratch = await createScratchDatabase({ prefix: "vitnas_service" });
  const db = createDb(scratch.url);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `service-test-${randomUUID()}`;
  const queue = createSearchQueue(redis, { prefix });
  const artifactsDir = await mkdtemp(join(tmpdir(), "service-artifacts-"));
  const team = await db.teams.create(`team-${randomUUID()}`);
  const env = {
    DATABASE_URL: scratch.url,
    REDIS_URL,
    ARTIFACTS_DIR: artifactsDir,
    QUEUE_PREFIX: prefix,
    // Short locks so a killed worker's search is taken up within seconds (production default: 30 s).
    WORKER_LOCK_MS: "3000",
    WORKER_STALLED_INTERVAL_MS: "1000",
    WORKER_CANCEL_POLL_MS: "500",
    NAS_BACKEND: backendFromEnv || "wasm",
  };
  const procs: WorkerProc[] = [];
  const killWorkers = async () => {
    for (const proc of procs) proc.killHard();
    await Promise.all(procs.map((p) => p.exited));
  };
  return {
    scratch,
    db,
    redis,
    queue,
    prefix,
    artifactsDir,
    teamId: team.id,
    env,
    async submit(job = tinyJob()) {
      const { search } = await db.searches.create({ teamId: team.id, job });
      await enqueueSearch(queue, search.id);
      return search.id;
    },
    async succeeds(searchId, timeoutMs = 240_000) {
      await waitFor(
        `search ${searchId} to succeed`,
        async () => {
          const search = await db.searches.get(searchId);
          if (search?.status === "failed") throw new Error(`search ${searchId} failed: ${search.error}`);
          return search?.status === "succeeded";
        },
        timeoutMs,
        250,
      );
    },
    spawnWorker(name, extra = {}) {
      const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "apps/worker/src/main.ts")], {
        cwd: ROOT,
        env: { ...process.env, ...env, WORKER_NAME: name, LOG_LEVEL: "info", ...extra },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout!.on("data", (chunk) => {
        output += chunk;
      });
      child.stderr!.on("data", (chunk) => {
        output += chunk;
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
        child.on("exit", (code, signal) => resolveExit({ code, signal })),
      );
      const proc: WorkerProc = {
        child,
        name,
        output: () => output,
        exited,
        killHard() {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // already gone
          }
        },
      };
      procs.push(proc);
      return proc;
    },
    killWorkers,
    async close() {
      await killWorkers();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await redis.quit();
      await db.close();
      await scratch.drop();
      await rm(artifactsDir, { recursive: true, force: true });
    },
  };
}

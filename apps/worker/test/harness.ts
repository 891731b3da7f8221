// A real worker against a scratch database, a unique queue prefix on the local Redis and a temporary artifact store.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { LocalArtifactStore } from "@vitnas/artifacts";
import { createDb, createScratchDatabase, type Db, type ScratchDatabase } from "@vitnas/db";
import { createSearchQueue, enqueueSearch, type SearchQueue } from "@vitnas/queue";
import { Redis } from "ioredis";
import { dbSearchRecords } from "../src/db-search-records";
import { createLogger } from "../src/logger";
import { type SearchWorker, startSearchWorker } from "../src/search-worker";
import { settingsFromEnv, type WorkerSettings } from "../src/settings";

export const countingRunner = pathToFileURL(join(import.meta.dirname, "fixtures", "counting-runner.ts")).href;
export const healthModule = pathToFileURL(join(import.meta.dirname, "fixtures", "health.ts")).href;

import { tinyJob } from "../../../tests/fixtures/tiny-job";

export { tinyJob };

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Harness {
  scratch: ScratchDatabase;
  db: Db;
  redis: Redis;
  queue: SearchQueue;
  prefix: string;
  store: LocalArtifactStore;
  teamId: string;
  settings(overrides?: Partial<WorkerSettings>): WorkerSettings;
  startWorker(overrides?: Partial<WorkerSettings>): Promise<SearchWorker>;
  submit(): Promise<string>;
  close(): Promise<void>;
}

export async function createHarness(options: { redisUrl?: string } = {}): Promise<Harness> {
  const redisUrl = options.redisUrl ?? (process.env.REDIS_URL || "redis://127.0.0.1:6379");
  const scratch = await createScratchDatabase({ prefix: "vitnas_worker" });
  const db = createDb(scratch.url);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `test-${randomUUID()}`;
  const queue = createSearchQueue(redis, { prefix });
  const root = await mkdtemp(join(tmpdir(), "worker-artifacts-"));
  const store = new LocalArtifactStore(root);
  const team = await db.teams.create(`team-${randomUUID()}`);
  const workers: SearchWorker[] = [];
  const settings = (overrides: Partial<WorkerSettings> = {}): WorkerSettings => ({
    ...settingsFromEnv({}),
    redisUrl,
    databaseUrl: scratch.url,
    artifactsDir: root,
    queuePrefix: prefix,
    lockDurationMs: 4000,
    stalledIntervalMs: 1000,
    cancelPollMs: 500,
    name: `test-worker-${workers.length}`,
    ...overrides,
  });
  return {
    scratch,
    db,
    redis,
    queue,
    prefix,
    store,
    teamId: team.id,
    settings,
    async startWorker(overrides = {}) {
      const worker = await startSearchWorker({
        settings: settings(overrides),
        records: dbSearchRecords(db),
        store,
        logger: createLogger("test-worker", { LOG_LEVEL: "warn" }),
        runnerModule: countingRunner,
        selfTestModule: healthModule,
      });
      workers.push(worker);
      return worker;
    },
    async submit() {
      const { search } = await db.searches.create({ teamId: team.id, job: tinyJob() });
      await enqueueSearch(queue, search.id);
      return search.id;
    },
    async close() {
      await Promise.all(workers.map((w) => w.shutdown()));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await redis.quit();
      await db.close();
      await scratch.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

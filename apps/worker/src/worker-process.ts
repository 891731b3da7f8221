// A worker wired to its environment: checks Redis and PostgreSQL, opens the database and the artifact store, and
// starts consuming. Used by `npm run worker` (main.ts), which `npm start` runs as a child process next to the API.

import { createArtifactStore } from "@vitnas/artifacts";
import { checkPostgres, createDb } from "@vitnas/db";
import { checkRedis } from "@vitnas/queue";
import { dbSearchRecords } from "./db-search-records";
import type { Logger } from "./logger";
import { type SearchWorker, startSearchWorker } from "./search-worker";
import type { WorkerSettings } from "./settings";

export interface WorkerProcess {
  worker: SearchWorker;
  /** Requeues the running searches (they checkpoint first) and closes the queue, database and metrics server. */
  shutdown(): Promise<void>;
}

export async function startWorkerProcess(
  settings: WorkerSettings,
  logger: Logger,
  modules: { runnerModule?: string; selfTestModule?: string } = {},
): Promise<WorkerProcess> {
  await checkRedis(settings.redisUrl);
  await checkPostgres(settings.databaseUrl);
  const db = createDb(settings.databaseUrl, { maxConnections: 2 + 2 * settings.concurrency });
  try {
    const store = createArtifactStore(settings.artifactStore ?? { kind: "local", dir: settings.artifactsDir });
    await store.check?.();
    const worker = await startSearchWorker({
      settings,
      records: dbSearchRecords(db),
      store,
      logger,
      ...modules,
    });
    return {
      worker,
      async shutdown() {
        await worker.shutdown();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

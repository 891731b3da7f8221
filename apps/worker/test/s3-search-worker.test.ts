// Workers on an S3 artifact store (docs/deployment.md, "Artifact store"), each with local copies of its own: a
// running search's checkpoints reach the bucket every `saveEveryMs`, a search requeued by one worker resumes on
// another from what the bucket holds, and its outputs are published there, as the artifacts recorded say.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import type { S3ArtifactStore } from "@vitnas/artifacts";
import { searchKey } from "@vitnas/artifacts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type S3Server, startS3Server } from "../../../packages/artifacts/test/s3-server";
import { dbSearchRecords } from "../src/db-search-records";
import { createLogger } from "../src/logger";
import { startSearchWorker } from "../src/search-worker";
import { countingRunner, createHarness, type Harness, healthModule, waitFor } from "./harness";

const started = await startS3Server("vitnas-worker-test").then(
  (server) => ({ server }),
  (err: Error) => ({ reason: err.message }),
);
const server: S3Server | undefined = "server" in started ? started.server : undefined;
if (!server) console.warn(`skipping the S3 worker tests: ${"reason" in started ? started.reason : ""}`);

let h: Harness;
const scratch: string[] = [];
beforeAll(async () => {
  if (server) h = await createHarness();
});
afterAll(async () => {
  await h?.close();
  await server?.close();
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env.COUNTING_RUNNER_STEP_MS;
});

async function s3Worker(name: string): Promise<{ store: S3ArtifactStore; shutdown(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "s3-worker-"));
  scratch.push(dir);
  const store = server!.store(dir, { saveEveryMs: 200 });
  const worker = await startSearchWorker({
    settings: h.settings({ name, artifactsDir: dir }),
    records: dbSearchRecords(h.db),
    store,
    logger: createLogger(name, { LOG_LEVEL: "warn" }),
    runnerModule: countingRunner,
    selfTestModule: healthModule,
  });
  return { store, shutdown: () => worker.shutdown() };
}

/** The step of the search's checkpoint as the bucket holds it (0 when none). */
const savedStep = (store: S3ArtifactStore, id: string) =>
  store.open(searchKey(id, "work", "count.json")).then(
    async (body) => JSON.parse(await text(body)).step as number,
    () => 0,
  );

describe.runIf(server)("search workers on an S3 artifact store", () => {
  it("save checkpoints to the bucket while a search runs, and another worker resumes it from there", async () => {
    process.env.COUNTING_RUNNER_STEP_MS = "100";
    const first = await s3Worker("s3-first");
    const id = await h.submit();
    // Saved by the periodic save, while the search still runs.
    await waitFor("a checkpoint in the bucket", async () => (await savedStep(first.store, id)) >= 3, 30_000);
    expect((await h.db.searches.get(id))?.status).toBe("running");
    await first.shutdown();
    expect((await h.db.searches.get(id))?.status).toBe("queued");
    // The checkpoint written before the worker stopped is in the bucket, not only on the first worker's disk.
    const localStep = JSON.parse(
      await readFile(join(first.store.options.localDir, "searches", id, "work", "count.json"), "utf8"),
    ).step as number;
    expect(await savedStep(first.store, id)).toBe(localStep);

    process.env.COUNTING_RUNNER_STEP_MS = "5";
    const second = await s3Worker("s3-second");
    try {
      await waitFor("success", async () => (await h.db.searches.get(id))?.status === "succeeded", 60_000);
      const starts = await text(await second.store.open(searchKey(id, "work", "starts.log")));
      expect(starts.trim().split("\n").map(Number)).toEqual([0, localStep]);
      // Every artifact recorded is in the bucket with the size and digest recorded.
      const recorded = await h.db.artifacts.list(id);
      expect(recorded.map((a) => a.path)).toContain(searchKey(id, "out", "pareto.json"));
      for (const artifact of recorded) {
        expect(await second.store.stat(artifact.path), artifact.path).toMatchObject({
          size: artifact.size,
          sha256: artifact.sha256,
        });
      }
    } finally {
      await second.shutdown();
    }
  });
});

// Train once, search many through a real worker running the real pipeline on a tiny job: the first search records
// its super-network when training ends; a second one naming it (`supernet.from`, another MACs budget) searches on it
// without training and notes it; a third with `reuse: "auto"` on the same space, data and recipe takes it by itself;
// one naming a super-network that is gone fails saying so.
import { randomUUID } from "node:crypto";
import type { NasSearch } from "@vitnas/formats";
import { enqueueSearch } from "@vitnas/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbSearchRecords } from "../src/db-search-records";
import { createLogger } from "../src/logger";
import { type SearchWorker, startSearchWorker } from "../src/search-worker";
import { createHarness, type Harness, healthModule, tinyJob, waitFor } from "./harness";

let h: Harness;
let worker: SearchWorker;
beforeAll(async () => {
  h = await createHarness();
  worker = await startSearchWorker({
    settings: h.settings({ name: `reuse-worker-${randomUUID().slice(0, 8)}` }),
    records: dbSearchRecords(h.db),
    store: h.store,
    logger: createLogger("test-worker", { LOG_LEVEL: "warn" }),
    runnerModule: "@vitnas/pipeline",
    selfTestModule: healthModule,
  });
});
afterAll(async () => {
  await worker?.shutdown();
  await h?.close();
});

async function run(job: NasSearch): Promise<string> {
  const { search } = await h.db.searches.create({ teamId: h.teamId, job });
  await enqueueSearch(h.queue, search.id, await h.db.searches.queuePriority(search.id));
  await waitFor(
    `search ${job.name} to finish`,
    async () => {
      const s = await h.db.searches.get(search.id);
      return s && ["succeeded", "failed", "cancelled"].includes(s.status) ? s.status : undefined;
    },
    240_000,
  );
  return search.id;
}

const supernetOf = async (searchId: string) =>
  (await h.db.pool.query("SELECT supernet_id FROM searches WHERE id = $1", [searchId])).rows[0]?.supernet_id as
    | string
    | null;
const trainingSteps = async (searchId: string) =>
  (await h.db.pool.query("SELECT count(*)::int AS n FROM training_metrics WHERE search_id = $1", [searchId])).rows[0]
    .n as number;

describe("super-network reuse through the worker", () => {
  let firstId: string;
  let supernetId: string;

  it("records the super-network a search trained", async () => {
    firstId = await run({ ...tinyJob(), name: "trains" });
    expect((await h.db.searches.get(firstId))?.status).toBe("succeeded");
    const recorded = await h.db.supernets.resolve(firstId, h.teamId);
    expect(recorded).toMatchObject({ searchId: firstId, location: `searches/${firstId}/work/supernet` });
    expect(recorded!.largest.macs).toBeGreaterThan(recorded!.smallest.macs);
    expect(await trainingSteps(firstId)).toBeGreaterThan(0);
    supernetId = recorded!.id;
  }, 300_000);

  it("searches on it without training when a job names it, with another MACs budget", async () => {
    const job = tinyJob();
    const budget = (await h.db.supernets.get(supernetId))!.largest.macs / 2;
    const second = await run({
      ...job,
      name: "again",
      supernet: { ...job.supernet, from: firstId },
      search: { ...job.search, constraints: { macs: { max: budget } } },
    });
    const search = await h.db.searches.get(second);
    expect(search?.status, search?.error ?? "").toBe("succeeded");
    expect(await supernetOf(second)).toBe(supernetId);
    expect(await trainingSteps(second)).toBe(0);
    const { rows } = await h.db.pool.query(
      "SELECT data->>'message' AS message FROM search_events WHERE search_id = $1",
      [second],
    );
    expect(rows.map((r) => r.message).join("\n")).toMatch(/searching on super-network .* without training/);
    // It trained nothing, so it records no super-network of its own.
    expect(await h.db.supernets.resolve(second, h.teamId)).toMatchObject({ id: supernetId });
    const { rows: own } = await h.db.pool.query("SELECT 1 FROM supernets WHERE search_id = $1", [second]);
    expect(own).toEqual([]);
  }, 300_000);

  it('takes it of its own accord with reuse "auto" on the same space, data and recipe', async () => {
    const job = tinyJob();
    const third = await run({ ...job, name: "auto", supernet: { ...job.supernet, reuse: "auto" } });
    expect((await h.db.searches.get(third))?.status).toBe("succeeded");
    expect(await trainingSteps(third)).toBe(0);
    expect(await supernetOf(third)).toBe(supernetId);
  }, 300_000);

  it("fails a search whose named super-network is gone, saying so", async () => {
    const job = tinyJob();
    const orphan = await run({ ...job, name: "orphan", supernet: { ...job.supernet, from: randomUUID() } });
    const search = await h.db.searches.get(orphan);
    expect(search?.status).toBe("failed");
    expect(search?.error).toMatch(/^supernet\.from: no trained super-network/);
  }, 120_000);
});

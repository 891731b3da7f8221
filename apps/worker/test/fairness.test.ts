// Fairness between teams through a real worker, Redis and Postgres with a tiny runner: a team that queued 1,000
// searches delays another team's next search by at most the search running when it was submitted (the queue
// priority is the search's place in its own team's line), and a team's running limit holds its other searches back
// while another team's run beside them.
import { enqueueSearch } from "@vitnas/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, tinyJob, waitFor } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A search of `teamId`, queued with its fair priority as the API queues it. */
async function submit(teamId: string): Promise<string> {
  const { search } = await h.db.searches.create({ teamId, job: tinyJob() });
  await enqueueSearch(h.queue, search.id, await h.db.searches.queuePriority(search.id));
  return search.id;
}

const startedOf = async (teamId: string) => {
  const { rows } = await h.db.pool.query<{ id: string; started_at: Date }>(
    "SELECT id, started_at FROM searches WHERE team_id = $1 AND started_at IS NOT NULL",
    [teamId],
  );
  return rows;
};

describe("fairness between teams", () => {
  it("lets one team's 1,000 queued searches delay another team's next by at most the one running", async () => {
    const flood = (await h.db.teams.create("flood")).id;
    const quiet = (await h.db.teams.create("quiet")).id;
    for (let i = 0; i < 1000; i++) await submit(flood);
    const worker = await h.startWorker({ concurrency: 1 });
    await waitFor("the flooding team's first search to run", async () => (await startedOf(flood)).length > 0);
    const submittedAt = new Date();
    const quietId = await submit(quiet);
    const startedBefore = (await startedOf(flood)).filter((s) => s.started_at < submittedAt).length;
    await waitFor(
      "the other team's search to succeed",
      async () => (await h.db.searches.get(quietId))?.status === "succeeded",
      120_000,
    );
    const quietStart = (await h.db.searches.get(quietId))!.startedAt!;
    // Only what was already running (started before the submission) went first; no search of the flood started
    // between the other team's submission and its start.
    const floodFirst = (await startedOf(flood)).filter((s) => s.started_at < quietStart);
    expect(floodFirst.length).toBe(startedBefore);
    expect(startedBefore).toBeLessThanOrEqual(2);
    // The rest of the flood is not the next test's business.
    await worker.shutdown();
    await h.queue.drain(true);
  }, 300_000);

  it("holds a team at its running limit while another team's search runs beside it", async () => {
    const capped = await h.db.teams.create("capped");
    await h.db.teams.setLimits("capped", { maxRunningSearches: 1 });
    const other = (await h.db.teams.create("other")).id;
    const cappedIds = [await submit(capped.id), await submit(capped.id), await submit(capped.id)];
    const otherId = await submit(other);
    await h.startWorker({ concurrency: 2, teamLimitRetryMs: 200, name: "fair-2" });
    let most = 0;
    await waitFor(
      "every search to succeed",
      async () => {
        const { rows } = await h.db.pool.query<{ running: number; done: number }>(
          `SELECT count(*) FILTER (WHERE status = 'running' AND team_id = $1)::int AS running,
                  count(*) FILTER (WHERE status = 'succeeded')::int AS done
           FROM searches WHERE id = ANY($2::uuid[])`,
          [capped.id, [...cappedIds, otherId]],
        );
        most = Math.max(most, rows[0]!.running);
        return rows[0]!.done === 4;
      },
      180_000,
    );
    expect(most).toBe(1);
    // The other team's search did not wait for the capped team's line.
    const otherStart = (await h.db.searches.get(otherId))!.startedAt!;
    const cappedStarts = await Promise.all(cappedIds.map(async (id) => (await h.db.searches.get(id))!.startedAt!));
    expect(cappedStarts.filter((t) => t < otherStart).length).toBeLessThanOrEqual(1);
  }, 240_000);
});

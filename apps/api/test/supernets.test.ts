// GET /v1/supernets and a job's `supernet.from` at submission: a team lists its own trained super-networks (another
// team's answers 404), a job names one by its id or its search's id and is told how its data and recipe differ, one on
// another space is refused with 422 naming supernet.from; a queued-searches limit of the team's own answers 429
// naming it; the queue priority puts another team's first search ahead of a flooding team's backlog.

import { estimateJob, spaceHash, supernetRecipeHash, validateJob } from "@vitnas/formats";
import { createSearchQueue } from "@vitnas/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_JOB_LIMITS, jobLimitsExceeded } from "../src/job-limits";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

type Team = Awaited<ReturnType<Harness["team"]>>;
const submit = (team: Team, body: unknown) =>
  h.app.inject({ method: "POST", url: "/v1/searches", headers: team.auth, payload: body as object });
const get = (team: Team, url: string) => h.app.inject({ method: "GET", url, headers: team.auth });

/** A search of the team over the API, with its super-network recorded as a worker records it. */
async function trainedSearch(team: Team) {
  const doc = tinyJob("trains");
  const res = await submit(team, doc);
  expect(res.statusCode, res.body).toBe(201);
  const searchId = res.json().id as string;
  const checked = validateJob(doc);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const job = checked.value;
  const supernet = await h.db.supernets.record({
    teamId: team.id,
    searchId,
    spaceHash: spaceHash(job.space),
    datasetFingerprint: "synthetic-fp",
    recipeHash: supernetRecipeHash(job),
    checkpoint: "step8-0123456789abcdef",
    location: `searches/${searchId}/work/supernet`,
    epochs: 1,
    largest: { accuracy: 0.6, macs: 5_000_000 },
    smallest: { accuracy: 0.3, macs: 1_000_000 },
  });
  return { searchId, supernet };
}

describe("/v1/supernets", () => {
  it("lists the team's super-networks and answers 404 for another team's", async () => {
    const [owner, stranger] = [await h.team(), await h.team()];
    const { searchId, supernet } = await trainedSearch(owner);
    const list = await get(owner, "/v1/supernets");
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({
        id: supernet.id,
        searchId,
        searchName: "trains",
        checkpoint: "step8-0123456789abcdef",
        largest: { accuracy: 0.6, macs: 5_000_000 },
        smallest: { accuracy: 0.3, macs: 1_000_000 },
      }),
    ]);
    expect((await get(owner, `/v1/supernets/${supernet.id}`)).json().id).toBe(supernet.id);
    expect((await get(stranger, "/v1/supernets")).json().items).toEqual([]);
    const theirs = await get(stranger, `/v1/supernets/${supernet.id}`);
    expect(theirs.statusCode).toBe(404);
    expect((await get(owner, "/v1/supernets?cursor=nonsense")).statusCode).toBe(400);
  });

  it("lets a job search on one by its id or its search's, stating a different recipe or dataset", async () => {
    const [owner, stranger] = [await h.team(), await h.team()];
    const { searchId, supernet } = await trainedSearch(owner);
    const same = { ...tinyJob("again"), supernet: { epochs: 1, batchSize: 32, from: searchId } };
    const res = await submit(owner, same);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().supernet).toEqual({ id: supernet.id, searchId, sameDataset: true, sameRecipe: true, notes: [] });

    const other = tinyJob("other data") as { dataset: Record<string, unknown> };
    const differs = {
      ...other,
      dataset: { ...other.dataset, seed: 4 },
      supernet: { epochs: 2, batchSize: 32, from: supernet.id },
    };
    const stated = (await submit(owner, differs)).json().supernet;
    expect(stated).toMatchObject({ sameDataset: false, sameRecipe: false });
    expect(stated.notes.join(" ")).toMatch(/^dataset: .*supernet: /);

    const refused = await submit(stranger, same);
    expect(refused.statusCode).toBe(404);
    expect(refused.json().message).toMatch(/^supernet\.from: /);
  });

  it("refuses with 422 naming supernet.from a job on another space", async () => {
    const owner = await h.team();
    const { supernet } = await trainedSearch(owner);
    const job = tinyJob("wider") as { space: { stages: { widths: number[] }[] } };
    job.space.stages[0]!.widths = [32, 48, 64];
    const res = await submit(owner, { ...job, supernet: { epochs: 1, batchSize: 32, from: supernet.id } });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ error: "supernet_mismatch", details: [{ path: "supernet.from" }] });
  });
});

describe("a job that names a super-network", () => {
  it("is not held to the training limit: it trains nothing", () => {
    const doc = { ...tinyJob("long"), supernet: { epochs: 10_000, batchSize: 32 } };
    const checked = validateJob(doc);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const limits = { ...DEFAULT_JOB_LIMITS, trainingMacs: 1e9 };
    const limitsOf = (job: typeof checked.value) =>
      jobLimitsExceeded(job, estimateJob(job), limits).map((x) => x.limit);
    expect(limitsOf(checked.value)).toContain("MAX_JOB_TRAINING_MACS");
    const reusing = { ...checked.value, supernet: { ...checked.value.supernet, from: "some-supernet" } };
    expect(limitsOf(reusing)).not.toContain("MAX_JOB_TRAINING_MACS");
  });
});

describe("fairness at submission", () => {
  it("answers 429 naming the team's own queued limit, and queues another team's first search ahead", async () => {
    const [flood, quiet] = [await h.team(), await h.team()];
    await h.db.teams.setLimits(flood.name, { maxQueuedSearches: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(flood, tinyJob(`f${i}`))).json().id);
    const refused = await submit(flood, tinyJob("one too many"));
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect(refused.json()).toMatchObject({
      error: "team_quota_exceeded",
      message: expect.stringContaining(
        "its own limit (nas admin set-limits), in place of MAX_QUEUED_SEARCHES_PER_TEAM",
      ),
      details: { limit: "MAX_QUEUED_SEARCHES_PER_TEAM", max: 3, queued: 3, team: true },
    });
    const first = (await submit(quiet, tinyJob("q"))).json().id as string;
    const queue = createSearchQueue(h.redis, { prefix: h.prefix });
    try {
      const priorities = await Promise.all([...ids, first].map(async (id) => (await queue.getJob(id))!.priority));
      expect(priorities.at(-1)).toBe(priorities[0]);
      expect(priorities.slice(0, 3)).toEqual([...priorities.slice(0, 3)].sort((a, b) => a - b));
      expect(priorities[1]).toBeGreaterThan(priorities[3]!);
    } finally {
      await queue.close();
    }
  });
});

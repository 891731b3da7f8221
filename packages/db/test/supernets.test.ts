// Trained super-networks and the teams' limits in Postgres: a super-network recorded once per training search (a
// resumed search keeps its id), found by its id, its search's id or a search that reused it, never across teams;
// the team's own limits replace the defaults; the running limit holds under concurrent workers; the queue priority
// puts the n-th search of every team in one band.
import type { NasSearch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDb,
  createScratchDatabase,
  type Db,
  fairQueuePriority,
  MAX_QUEUE_PRIORITY,
  RunningLimitError,
  type ScratchDatabase,
  type SupernetInput,
  TeamQuotaError,
} from "../src";

let scratch: ScratchDatabase;
let db: Db;
let teamId: string;
let otherTeamId: string;

const job = (name: string, priority?: string) =>
  ({ format: "nas-search/v1", name, seed: 1, ...(priority ? { priority } : {}) }) as unknown as NasSearch;
const create = async (team: string, name: string, priority?: string) =>
  (await db.searches.create({ teamId: team, job: job(name, priority) })).search.id;

const trained = (searchId: string, accuracy = 0.8): SupernetInput => ({
  teamId,
  searchId,
  spaceHash: "space-1",
  datasetFingerprint: "data-1",
  recipeHash: "recipe-1",
  checkpoint: "step10-abc",
  location: `searches/${searchId}/work/supernet`,
  epochs: 2,
  // Beyond 2^31: the column is a bigint.
  largest: { accuracy, macs: 9_000_000_000 },
  smallest: { accuracy: 0.4, macs: 1_000_000 },
});

beforeAll(async () => {
  scratch = await createScratchDatabase({ prefix: "vitnas_supernets" });
  db = createDb(scratch.url);
  teamId = (await db.teams.create("trainers")).id;
  otherTeamId = (await db.teams.create("others")).id;
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

describe("supernets", () => {
  it("records one per training search; recording again keeps the id and takes the new figures", async () => {
    const searchId = await create(teamId, "trains");
    const first = await db.supernets.record(trained(searchId, 0.7));
    const again = await db.supernets.record(trained(searchId, 0.75));
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({ searchName: "trains", largest: { accuracy: 0.75, macs: 9_000_000_000 } });
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM supernets WHERE search_id = $1", [searchId]);
    expect(rows[0].n).toBe(1);
  });

  it("resolves its id, its search's id and a reusing search's id for the team, nothing for another team", async () => {
    const searchId = await create(teamId, "trains-2");
    const supernet = await db.supernets.record(trained(searchId));
    const reuser = await create(teamId, "reuses");
    await db.supernets.markReused(reuser, supernet.id);
    for (const ref of [supernet.id, searchId, reuser]) {
      expect((await db.supernets.resolve(ref, teamId))?.id).toBe(supernet.id);
      expect(await db.supernets.resolve(ref, otherTeamId)).toBeNull();
    }
    expect(await db.supernets.get(supernet.id, otherTeamId)).toBeNull();
    expect(await db.supernets.resolve("not-a-uuid", teamId)).toBeNull();
  });

  it("lists the team's newest first in pages and finds those of a space and recipe", async () => {
    const page1 = await db.supernets.list({ teamId, limit: 1 });
    expect(page1.items).toHaveLength(1);
    const page2 = await db.supernets.list({ teamId, limit: 5, cursor: page1.nextCursor! });
    const all = [...page1.items, ...page2.items];
    expect(all.map((s) => s.searchName)).toEqual(["trains-2", "trains"]);
    expect((await db.supernets.list({ teamId: otherTeamId, limit: 5 })).items).toEqual([]);
    expect(await db.supernets.matching(teamId, "space-1", "recipe-1")).toHaveLength(2);
    expect(await db.supernets.matching(teamId, "space-1", "recipe-2")).toEqual([]);
    expect(await db.supernets.matching(otherTeamId, "space-1", "recipe-1")).toEqual([]);
  });
});

describe("team limits", () => {
  it("replace the defaults: a queued limit names itself, and clearing one restores the default", async () => {
    const team = await db.teams.create("limited");
    expect(await db.teams.setLimits("limited", { maxQueuedSearches: 2 })).toMatchObject({ maxQueuedSearches: 2 });
    expect(await db.teams.setLimits("nobody", { maxQueuedSearches: 2 })).toBeNull();
    const submit = (name: string) =>
      db.searches.create({ teamId: team.id, job: job(name), maxActive: 100, maxQueued: 50 });
    await submit("a");
    await submit("b");
    const refused = await submit("c").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TeamQuotaError);
    expect(refused).toMatchObject({ limit: "MAX_QUEUED_SEARCHES_PER_TEAM", count: 2, max: 2, own: true });
    await db.teams.setLimits("limited", { maxQueuedSearches: null });
    expect((await submit("c")).created).toBe(true);
    await db.teams.setLimits("limited", { maxActiveSearches: 3 });
    await expect(submit("d")).rejects.toMatchObject({ limit: "MAX_ACTIVE_SEARCHES_PER_TEAM", count: 3, own: true });
  });

  it("lets concurrent workers start no more of a team's searches than its running limit", async () => {
    const team = await db.teams.create("runners");
    const ids = await Promise.all(["a", "b", "c", "d"].map((n) => create(team.id, n)));
    const outcomes = await Promise.allSettled(ids.map((id) => db.searches.markRunningWithin(id, 2, "cpu")));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(2);
    const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(RunningLimitError);
    expect(refused.reason).toMatchObject({ running: 2, max: 2, own: false });
    // A search already running (its worker died, another takes it up) does not count against itself.
    const running = ids.filter((_, i) => outcomes[i]!.status === "fulfilled");
    expect(await db.searches.markRunningWithin(running[0]!, 2, "cpu")).toMatchObject({ status: "running" });
    await db.teams.setLimits("runners", { maxRunningSearches: 3 });
    const queued = ids.filter((_, i) => outcomes[i]!.status === "rejected");
    expect(await db.searches.markRunningWithin(queued[0]!, 2, "cpu")).toMatchObject({ status: "running" });
  });
});

describe("queue priority", () => {
  it("gives the n-th search of every team one band, high before normal before low, capped at BullMQ's maximum", () => {
    expect(fairQueuePriority(0)).toBe(2);
    expect(fairQueuePriority(0, "high")).toBe(1);
    expect(fairQueuePriority(0, "low")).toBe(3);
    expect(fairQueuePriority(1, "high")).toBeGreaterThan(fairQueuePriority(0, "low"));
    expect(fairQueuePriority(10_000_000, "low")).toBeLessThanOrEqual(MAX_QUEUE_PRIORITY);
  });

  it("counts the team's queued and running searches of its priority or higher ahead of a search", async () => {
    const a = (await db.teams.create("flood")).id;
    const b = (await db.teams.create("quiet")).id;
    const flood = [];
    for (let i = 0; i < 5; i++) flood.push(await create(a, `f${i}`));
    await db.searches.markRunning(flood[0]!, "cpu");
    expect(await db.searches.queuePriority(flood[4]!)).toBe(fairQueuePriority(4));
    const quiet = await create(b, "q0");
    expect(await db.searches.queuePriority(quiet)).toBe(fairQueuePriority(0));
    // A high-priority search of the flooding team goes before its own normal ones, not before the other team's first.
    const urgent = await create(a, "urgent", "high");
    expect(await db.searches.queuePriority(urgent)).toBe(fairQueuePriority(0, "high"));
    const low = await create(a, "later", "low");
    expect(await db.searches.queuePriority(low)).toBe(fairQueuePriority(6, "low"));
  });
});

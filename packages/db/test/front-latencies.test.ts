// The front's measured latency: one row per (search, architecture) however often a search writes it, the set
// replaced whole, bound to the search's candidates.
import type { NasSearch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, createScratchDatabase, type Db, type ScratchDatabase } from "../src";

let scratch: ScratchDatabase;
let db: Db;
let searchId: string;
let otherSearchId: string;

const job = (name: string) => ({ format: "nas-search/v1", name, seed: 1 }) as unknown as NasSearch;
const candidate = (id: string, accuracy: number) => ({
  id,
  arch: { format: "vit-arch/v1" },
  accuracy,
  macs: 1000 * accuracy,
  params: 10,
  generation: 0,
});

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createDb(scratch.url);
  const team = await db.teams.create("latency");
  searchId = (await db.searches.create({ teamId: team.id, job: job("a") })).search.id;
  otherSearchId = (await db.searches.create({ teamId: team.id, job: job("b") })).search.id;
  for (const id of [searchId, otherSearchId]) {
    await db.candidates.upsert(id, [candidate("a1", 0.5), candidate("a2", 0.6), candidate("a3", 0.7)]);
  }
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

const measured = (id: string, medianMs: number) => ({
  id,
  medianMs,
  p90Ms: medianMs * 1.5,
  threads: 1,
  runs: 50,
  cpu: "Test CPU @ 2.00GHz",
});

describe("front latencies", () => {
  it("writing the same set again (a retried search) adds no row and keeps the figures", async () => {
    const set = [measured("a2", 1.25), measured("a3", 0.75)];
    await db.frontLatencies.replace(searchId, set);
    await Promise.all([db.frontLatencies.replace(searchId, set), db.frontLatencies.replace(searchId, set)]);
    expect(await db.frontLatencies.list(searchId)).toEqual([measured("a3", 0.75), measured("a2", 1.25)]);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM front_latencies WHERE search_id = $1", [
      searchId,
    ]);
    expect(rows[0].n).toBe(2);
  });

  it("replaces the set whole: new figures win, architectures no longer on the front are dropped, other searches kept", async () => {
    await db.frontLatencies.replace(otherSearchId, [measured("a1", 2)]);
    await db.frontLatencies.replace(searchId, [measured("a3", 0.5), { ...measured("a1", 3), threads: 4 }]);
    expect(await db.frontLatencies.list(searchId)).toEqual([measured("a3", 0.5), { ...measured("a1", 3), threads: 4 }]);
    expect(await db.frontLatencies.list(otherSearchId)).toEqual([measured("a1", 2)]);
    const some = await db.frontLatencies.forArchs(searchId, ["a1", "a2", "a1"]);
    expect([...some.keys()]).toEqual(["a1"]);
    expect(await db.frontLatencies.forArchs(searchId, [])).toEqual(new Map());
  });

  it("refuses an architecture that is not a candidate of the search, and goes with its search", async () => {
    await expect(db.frontLatencies.replace(searchId, [measured("nope", 1)])).rejects.toThrow(/foreign key/);
    expect((await db.frontLatencies.list(searchId)).length).toBe(2);
    await db.pool.query("DELETE FROM searches WHERE id = $1", [otherSearchId]);
    expect(await db.frontLatencies.list(otherSearchId)).toEqual([]);
  });
});

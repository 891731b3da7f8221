// The front's measured latency: one row per (search, architecture) however often a search writes it, the set
// replaced whole, bound to the search's candidates.
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../src";
import { useTwoSearches } from "./two-searches";

const fixture = useTwoSearches("latency");
let db: Db;
let searchId: string;
let otherSearchId: string;
beforeAll(() => {
  ({ db, searchId, otherSearchId } = fixture);
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

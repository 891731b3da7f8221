// The final phase's rows: one per (search, architecture) however often a search writes them, the set replaced whole,
// bound to the search's candidates; training metrics kept per phase.
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../src";
import { useTwoSearches } from "./two-searches";

const fixture = useTwoSearches("final");
let db: Db;
let searchId: string;
let otherSearchId: string;
beforeAll(() => {
  ({ db, searchId, otherSearchId } = fixture);
});

const trained = (id: string, testAccuracy: number) => ({
  id,
  testAccuracy,
  valAccuracy: testAccuracy + 0.01,
  epochs: 2,
  mode: "finetune",
});

describe("final trainings", () => {
  it("writing the same set again (a retried search) adds no row and keeps the figures", async () => {
    const set = [trained("a2", 0.61), trained("a3", 0.72)];
    await db.finalTrainings.replace(searchId, set);
    await db.finalTrainings.replace(searchId, set);
    await Promise.all([db.finalTrainings.replace(searchId, set), db.finalTrainings.replace(searchId, set)]);
    expect(await db.finalTrainings.list(searchId)).toEqual([trained("a3", 0.72), trained("a2", 0.61)]);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM final_trainings WHERE search_id = $1", [
      searchId,
    ]);
    expect(rows[0].n).toBe(2);
  });

  it("replaces the set whole: new figures win, architectures no longer trained are dropped, other searches kept", async () => {
    await db.finalTrainings.replace(otherSearchId, [trained("a1", 0.5)]);
    await db.finalTrainings.replace(searchId, [trained("a3", 0.75), { ...trained("a1", 0.55), mode: "scratch" }]);
    expect(await db.finalTrainings.list(searchId)).toEqual([
      trained("a3", 0.75),
      { ...trained("a1", 0.55), mode: "scratch" },
    ]);
    expect(await db.finalTrainings.list(otherSearchId)).toEqual([trained("a1", 0.5)]);
    const found = await db.finalTrainings.forArchs(searchId, ["a1", "a2", "a1", "missing"]);
    expect([...found.keys()].sort()).toEqual(["a1"]);
    expect((await db.finalTrainings.forArchs(searchId, [])).size).toBe(0);
    await db.finalTrainings.replace(otherSearchId, []);
    expect(await db.finalTrainings.list(otherSearchId)).toEqual([]);
  });

  it("refuses an architecture that is not a candidate of the search, changing nothing", async () => {
    const before = await db.finalTrainings.list(searchId);
    await expect(db.finalTrainings.replace(searchId, [trained("a2", 0.6), trained("nowhere", 0.9)])).rejects.toThrow(
      /foreign key/,
    );
    expect(await db.finalTrainings.list(searchId)).toEqual(before);
  });
});

describe("training metrics by phase", () => {
  it("keeps the final trainings' losses out of the super-network's series", async () => {
    for (let step = 1; step <= 10; step++) {
      await db.progress.report(searchId, { phase: "supernet", percent: step, step, loss: 3 - step / 10 });
    }
    for (let step = 1; step <= 4; step++) {
      await db.progress.report(searchId, { phase: "final", percent: 80 + step, step, loss: 0.1 });
    }
    const supernet = await db.progress.metricSeries(searchId, 100);
    expect(supernet.reduce((n, p) => n + p.count, 0)).toBe(10);
    expect(Math.min(...supernet.map((p) => p.loss!))).toBeCloseTo(2, 6);
    const final = await db.progress.metricSeries(searchId, 100, "final");
    expect(final.map((p) => [p.step, p.loss])).toEqual([1, 2, 3, 4].map((step) => [step, 0.1]));
  });
});

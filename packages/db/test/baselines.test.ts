// The baselines' rows: one per (search, name) however often a search writes them, the set replaced whole, listed by
// MACs with their documents; an artifact found by its path.
import type { NasSearch, VitArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BaselineInput, createDb, createScratchDatabase, type Db, type ScratchDatabase } from "../src";

let scratch: ScratchDatabase;
let db: Db;
let searchId: string;
let otherSearchId: string;

const job = (name: string) => ({ format: "nas-search/v1", name, seed: 1 }) as unknown as NasSearch;

const baseline = (name: string, macs: number, testAccuracy: number): BaselineInput => ({
  name,
  id: `hash-${name}`,
  arch: { format: "vit-arch/v1", name } as unknown as VitArch,
  // Beyond 2^31: the column is a bigint.
  macs,
  params: macs / 1000,
  testAccuracy,
  valAccuracy: testAccuracy + 0.01,
  epochs: 2,
  mode: "finetune",
  bundle: `baselines/${name.replace(/\[(\d+)\]/, "-$1")}`,
});

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createDb(scratch.url);
  const team = await db.teams.create("baselines");
  searchId = (await db.searches.create({ teamId: team.id, job: job("a") })).search.id;
  otherSearchId = (await db.searches.create({ teamId: team.id, job: job("b") })).search.id;
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

const count = async (id: string) =>
  (await db.pool.query("SELECT count(*)::int AS n FROM baselines WHERE search_id = $1", [id])).rows[0].n as number;

describe("baselines", () => {
  it("writing the same set again (a retried search) adds no row and keeps the figures, listed by MACs", async () => {
    const set = [baseline("uniform-largest", 9_000_000_000, 0.8), baseline("uniform-smallest", 3_000_000, 0.4)];
    await db.baselines.replace(searchId, set);
    await db.baselines.replace(searchId, set);
    await Promise.all([db.baselines.replace(searchId, set), db.baselines.replace(searchId, set)]);
    expect(await db.baselines.list(searchId)).toEqual([set[1], set[0]]);
    expect(await count(searchId)).toBe(2);
  });

  it("replaces the set whole: new figures win, names no longer listed are dropped, other searches kept", async () => {
    await db.baselines.replace(otherSearchId, [baseline("uniform-median", 5_000_000, 0.5)]);
    const own = { ...baseline("archs[0]", 4_000_000, 0.45), mode: "scratch" };
    // Two names may share one architecture (the smallest uniform one given again as the job's own).
    const same = { ...baseline("uniform-smallest", 3_000_000, 0.42), id: own.id };
    await db.baselines.replace(searchId, [same, own, { ...same, testAccuracy: 0.43 }]);
    expect(await db.baselines.list(searchId)).toEqual([{ ...same, testAccuracy: 0.43 }, own]);
    expect(own.bundle).toBe("baselines/archs-0");
    expect(await db.baselines.list(otherSearchId)).toEqual([baseline("uniform-median", 5_000_000, 0.5)]);
    await db.baselines.replace(otherSearchId, []);
    expect(await db.baselines.list(otherSearchId)).toEqual([]);
    expect(await count(searchId)).toBe(2);
  });

  it("go with their search", async () => {
    const team = await db.teams.create("baselines-gone");
    const gone = (await db.searches.create({ teamId: team.id, job: job("c") })).search.id;
    await db.baselines.replace(gone, [baseline("uniform-smallest", 3_000_000, 0.4)]);
    await db.pool.query("DELETE FROM searches WHERE id = $1", [gone]);
    expect(await count(gone)).toBe(0);
  });
});

describe("artifacts by path", () => {
  it("finds the one recorded at a path, or null", async () => {
    const path = `searches/${searchId}/out/report.md`;
    await db.artifacts.record({ searchId, kind: "report", path, size: 12, sha256: "ab" });
    expect(await db.artifacts.find(searchId, path)).toMatchObject({ kind: "report", path, size: 12, archHash: null });
    expect(await db.artifacts.find(otherSearchId, path)).toBeNull();
    expect(await db.artifacts.find(searchId, `${path}.missing`)).toBeNull();
  });
});

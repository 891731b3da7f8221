import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { NasSearch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CandidateInput,
  createDb,
  createScratchDatabase,
  type Db,
  MIGRATIONS_DIR,
  migrate,
  readMigrations,
  type ScratchDatabase,
} from "../src";

let scratch: ScratchDatabase;
let db: Db;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createDb(scratch.url);
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

const job = (name: string, seed = 1) => ({ format: "nas-search/v1", name, seed }) as unknown as NasSearch;

// A deterministic pseudo-random candidate set (no two share an arch hash).
function candidates(n: number, seed: number, generation = 0): CandidateInput[] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Array.from({ length: n }, (_, i) => ({
    id: `arch-${seed}-${i}`,
    arch: { format: "vit-arch/v1", i },
    accuracy: Math.round(next() * 1000) / 1000,
    macs: Math.floor(1e6 + next() * 5e9),
    params: Math.floor(1e5 + next() * 1e7),
    generation,
  }));
}

describe("migrations", () => {
  it("are recorded like prisma migrate deploy and applying twice changes nothing", async () => {
    expect(await migrate(scratch.url)).toEqual([]);
    const { rows } = await db.pool.query(
      "SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name",
    );
    const names = (await readMigrations()).migrationDirectories.map((d) => d.path);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const row of rows) {
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      // The checksum `prisma migrate deploy` compares to detect an edited migration.
      const sql = readFileSync(join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
    }
  });
});

describe("teams and keys", () => {
  it("stores only a hash and finds a key by its plaintext", async () => {
    const team = await db.teams.create("vision");
    const { key, plaintext } = await db.apiKeys.create(team.id, "ci");
    const { rows } = await db.pool.query("SELECT * FROM api_keys WHERE id = $1", [key.id]);
    expect(JSON.stringify(rows)).not.toContain(plaintext);
    expect(plaintext.startsWith(key.prefix)).toBe(true);
    const found = await db.apiKeys.findByPlaintext(plaintext);
    expect(found).toEqual({
      key: { id: key.id, name: "ci", prefix: key.prefix },
      team: { id: team.id, name: "vision" },
    });
    expect(await db.apiKeys.findByPlaintext(`${plaintext.slice(0, -1)}x`)).toBeNull();
    expect(await db.apiKeys.findByPlaintext("not a key")).toBeNull();
    const session = await db.sessions.create(found!, 60_000);
    expect(await db.sessions.find(session.token)).toEqual(found);
    expect(await db.apiKeys.revoke(key.prefix)).toBe(true);
    expect(await db.apiKeys.findByPlaintext(plaintext)).toBeNull();
    expect(await db.sessions.find(session.token)).toBeNull();
  });
});

describe("searches", () => {
  it("is idempotent per team and key, and scoped by team", async () => {
    const a = await db.teams.create("team-a");
    const b = await db.teams.create("team-b");
    const first = await db.searches.create({ teamId: a.id, job: job("x"), idempotencyKey: "k1" });
    const again = await db.searches.create({ teamId: a.id, job: job("x"), idempotencyKey: "k1" });
    const changed = await db.searches.create({ teamId: a.id, job: job("y"), idempotencyKey: "k1" });
    const otherTeam = await db.searches.create({ teamId: b.id, job: job("x"), idempotencyKey: "k1" });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, sameJob: true, search: { id: first.search.id } });
    expect(changed).toMatchObject({ created: false, sameJob: false, search: { id: first.search.id } });
    expect(otherTeam.created).toBe(true);
    expect(await db.searches.get(first.search.id, b.id)).toBeNull();
    expect(await db.searches.get("not-a-uuid", a.id)).toBeNull();
    expect((await db.searches.get(first.search.id, a.id))?.job).toEqual(job("x"));
  });

  it("pages newest first without overlap and filters by status", async () => {
    const team = await db.teams.create("pager");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await db.searches.create({ teamId: team.id, job: job(`s${i}`) })).search.id);
    await db.searches.markRunning(ids[2]!, "wasm");
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await db.searches.list({ teamId: team.id, limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const running = await db.searches.list({ teamId: team.id, status: "running", limit: 10 });
    expect(running.items.map((s) => s.id)).toEqual([ids[2]]);
    expect(running.items[0]).toMatchObject({ backend: "wasm", status: "running" });
    expect(running.items[0]?.startedAt).toBeInstanceOf(Date);
  });

  it("changes status only from the allowed states", async () => {
    const team = await db.teams.create("life");
    const { search } = await db.searches.create({ teamId: team.id, job: job("l") });
    expect(await db.searches.requeue(search.id)).toBeNull();
    expect((await db.searches.cancel(search.id, team.id))?.status).toBe("cancelled");
    expect(await db.searches.markSucceeded(search.id)).toBeNull();
    const requeued = await db.searches.requeue(search.id, team.id);
    expect(requeued).toMatchObject({ status: "queued", attempt: 1, finishedAt: null });
    await db.searches.markRunning(search.id);
    expect((await db.searches.markFailed(search.id, "out of memory"))?.error).toBe("out of memory");
    expect((await db.searches.countByStatus()).failed).toBeGreaterThanOrEqual(1);
  });
});

describe("progress, candidates and fronts", () => {
  let searchId: string;
  const all = candidates(3000, 7);

  beforeAll(async () => {
    const team = await db.teams.create("results");
    searchId = (await db.searches.create({ teamId: team.id, job: job("r") })).search.id;
    await db.candidates.upsert(searchId, all);
  });

  it("upserts candidates without duplicates when a resumed search reports them again", async () => {
    const again = all.slice(0, 100).map((c) => ({ ...c, generation: 3 }));
    await db.candidates.upsert(searchId, again);
    expect(await db.candidates.count(searchId)).toBe(all.length);
    expect((await db.candidates.get(searchId, all[0]!.id))?.generation).toBe(0);
  });

  it("answers the most accurate candidate under a MACs budget in one page", async () => {
    const budget = 1e9;
    const expected = all
      .filter((c) => c.macs <= budget)
      .sort((x, y) => y.accuracy - x.accuracy || (x.id < y.id ? -1 : 1))[0]!;
    const { items } = await db.candidates.query({
      searchId,
      maxMacs: budget,
      sort: "-accuracy",
      limit: 1,
      withArch: true,
    });
    expect(items[0]).toMatchObject({
      id: expected.id,
      accuracy: expected.accuracy,
      macs: expected.macs,
      arch: expected.arch,
    });
  });

  it("pages every sort order completely and in order", async () => {
    for (const sort of ["accuracy", "-accuracy", "macs", "-macs"] as const) {
      const seen: { id: string; accuracy: number; macs: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = await db.candidates.query({
          searchId,
          sort,
          limit: 700,
          minAccuracy: 0.2,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(new Set(seen.map((c) => c.id)).size).toBe(all.filter((c) => c.accuracy >= 0.2).length);
      const key = sort.replace("-", "") as "accuracy" | "macs";
      const sign = sort.startsWith("-") ? -1 : 1;
      for (let i = 1; i < seen.length; i++)
        expect(sign * (seen[i]![key] - seen[i - 1]![key])).toBeGreaterThanOrEqual(0);
    }
  });

  it("computes the Pareto front as the non-dominated candidates", async () => {
    const front = await db.candidates.paretoFront(searchId);
    const dominated = (c: CandidateInput) =>
      all.some((o) => o.accuracy >= c.accuracy && o.macs <= c.macs && (o.accuracy > c.accuracy || o.macs < c.macs));
    const expected = all.filter((c) => !dominated(c)).map((c) => c.id);
    expect(front.map((p) => p.id).sort()).toEqual(expected.sort());
  });

  it("downsamples to the budget and accounts for every candidate", async () => {
    const exclude = all.slice(0, 5).map((c) => c.id);
    const { total, points } = await db.candidates.downsample(searchId, 400, exclude);
    expect(total).toBe(all.length);
    expect(points.length).toBeLessThanOrEqual(400);
    expect(points.reduce((n, p) => n + p.count, 0)).toBe(all.length - 5);
    expect(points.some((p) => exclude.includes(p.id))).toBe(false);
    const few = await db.candidates.downsample(searchId, 5000, []);
    expect(few.points.length).toBe(all.length);
  });

  it("records fronts per generation and replaces a repeated generation", async () => {
    await db.fronts.set(searchId, 0, [all[0]!.id, all[1]!.id], 0.5);
    await db.fronts.set(searchId, 1, [all[2]!], 0.6);
    await db.fronts.set(searchId, 1, [all[3]!, all[4]!], 0.7);
    const fronts = await db.fronts.list(searchId);
    expect(fronts.map((f) => [f.generation, f.hypervolume, f.points.length])).toEqual([
      [0, 0.5, 2],
      [1, 0.7, 2],
    ]);
    const latest = await db.fronts.latest(searchId);
    expect(latest?.points.map((p) => p.id).sort()).toEqual([all[3]!.id, all[4]!.id].sort());
  });

  it("keeps progress events in order and downsamples training metrics", async () => {
    for (let step = 0; step < 50; step++) {
      await db.progress.report(searchId, {
        phase: "supernet",
        percent: step,
        step,
        loss: 2 - step / 50,
        imagesPerSec: 100,
      });
    }
    const search = await db.searches.get(searchId);
    expect(search?.progress).toMatchObject({ phase: "supernet", percent: 49 });
    const first = await db.progress.eventsAfter(searchId, null, 20);
    const rest = await db.progress.eventsAfter(searchId, first.at(-1)!.id, 100);
    expect([...first, ...rest].map((e) => e.percent)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const series = await db.progress.metricSeries(searchId, 8);
    expect(series.length).toBeLessThanOrEqual(8);
    expect(series.reduce((n, p) => n + p.count, 0)).toBe(50);
    expect(series[0]!.loss).toBeGreaterThan(series.at(-1)!.loss!);
  });

  it("records artifacts once per path", async () => {
    const a = {
      searchId,
      archHash: all[0]!.id,
      kind: "bundle",
      path: `${searchId}/a/model.json`,
      size: 10,
      sha256: "ab".repeat(32),
    };
    await db.artifacts.record(a);
    await db.artifacts.record({ ...a, size: 12 });
    const list = await db.artifacts.list(searchId, all[0]!.id);
    expect(list.map((x) => x.size)).toEqual([12]);
  });
});

import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { searchKey } from "@vitnas/artifacts";
import type { CandidateInput } from "@vitnas/db";
import { x as extractTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;
const candidates: CandidateInput[] = [];

// Deterministic candidates spread over accuracy and MACs, a few sharing figures (ties must page correctly).
for (let i = 0; i < 2500; i++) {
  const accuracy = Math.round((0.3 + (0.6 * ((i * 7919) % 1000)) / 1000) * 1000) / 1000;
  const macs = 1_000_000 + ((i * 104_729) % 2500) * 40_000;
  candidates.push({
    id: `h${i.toString(16).padStart(6, "0")}`,
    arch: { format: "vit-arch/v1", n: i },
    accuracy,
    macs,
    params: 1000 + i,
    generation: i % 5,
  });
}
const get = (url: string) => h.app.inject({ method: "GET", url: `/v1/searches/${searchId}${url}`, headers: team.auth });

beforeAll(async () => {
  h = await startHarness();
  team = await h.team("results");
  searchId = (
    await h.app.inject({ method: "POST", url: "/v1/searches", headers: team.auth, payload: tinyJob() })
  ).json().id;
  await h.db.candidates.upsert(searchId, candidates);
  for (let step = 0; step < 40; step++) {
    await h.db.progress.report(searchId, {
      phase: "supernet",
      percent: step,
      step,
      loss: 3 - step / 20,
      imagesPerSec: 50 + step,
    });
  }
});
afterAll(async () => {
  await h?.close();
});

describe("candidates", () => {
  it("answers the most accurate architecture under N MACs in one request", async () => {
    for (const budget of [1_500_000, 20_000_000, 60_000_000]) {
      const expected = candidates
        .filter((c) => c.macs <= budget)
        .sort((a, b) => b.accuracy - a.accuracy || (a.id < b.id ? -1 : 1))[0]!;
      const res = await get(`/candidates?maxMacs=${budget}&sort=-accuracy&limit=1`);
      expect(res.statusCode).toBe(200);
      const [best] = res.json().items;
      expect(best).toEqual({
        id: expected.id,
        accuracy: expected.accuracy,
        macs: expected.macs,
        params: expected.params,
        generation: expected.generation,
        arch: expected.arch,
        // Not measured, and no final phase trained it (latency-results.test.ts and final-results.test.ts have some).
        latencyMs: null,
        latencyP90Ms: null,
        latencyThreads: null,
        testAccuracy: null,
        finalEpochs: null,
        finalMode: null,
      });
    }
  });

  it("pages through a filter on the server, in order, without gaps or repeats", async () => {
    const seen: { id: string; macs: number; accuracy: number }[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(
        `/candidates?minAccuracy=0.6&sort=macs&limit=137&arch=false${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.statusCode).toBe(200);
      const page: {
        items: { id: string; macs: number; accuracy: number; arch?: unknown }[];
        nextCursor: string | null;
      } = res.json();
      expect(page.items.every((c) => c.arch === undefined)).toBe(true);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const expected = candidates
      .filter((c) => c.accuracy >= 0.6)
      .sort((a, b) => a.macs - b.macs || (a.id < b.id ? -1 : 1));
    expect(seen.map((c) => c.id)).toEqual(expected.map((c) => c.id));
  });

  it("rejects bad query strings with the field named", async () => {
    const res = await get("/candidates?sort=size&limit=100000");
    expect(res.statusCode).toBe(400);
    const paths = res.json().details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["querystring.sort", "querystring.limit"]));
  });
});

describe("front, scatter, fronts, metrics", () => {
  it("computes the Pareto front before the search records one, then serves the recorded one", async () => {
    const computed = (await get("/pareto")).json() as { id: string; accuracy: number; macs: number }[];
    for (const p of computed) {
      expect(
        candidates.some(
          (c) => c.accuracy >= p.accuracy && c.macs <= p.macs && (c.accuracy > p.accuracy || c.macs < p.macs),
        ),
      ).toBe(false);
    }
    expect(computed.map((p) => p.macs)).toEqual([...computed.map((p) => p.macs)].sort((a, b) => a - b));
    await h.db.fronts.set(searchId, 0, computed.slice(0, 3), 0.25);
    await h.db.fronts.set(searchId, 1, computed, 0.5);
    expect((await get("/pareto")).json()).toEqual(computed);
    const fronts = (await get("/fronts")).json();
    expect(
      fronts.items.map((f: { generation: number; hypervolume: number; points: unknown[] }) => [
        f.generation,
        f.hypervolume,
        f.points.length,
      ]),
    ).toEqual([
      [0, 0.25, 3],
      [1, 0.5, computed.length],
    ]);
  });

  it("never returns more than maxPoints scatter points, and keeps every front point", async () => {
    const front = (await get("/pareto")).json() as { id: string }[];
    for (const maxPoints of [50, 400, 5000]) {
      const res = await get(`/scatter?maxPoints=${maxPoints}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.front.length + body.others.length).toBeLessThanOrEqual(maxPoints);
      expect(body.total).toBe(candidates.length);
      expect(body.front.map((p: { id: string }) => p.id)).toEqual(front.map((p) => p.id));
      const represented = body.front.length + body.others.reduce((n: number, p: { count: number }) => n + p.count, 0);
      expect(represented).toBe(candidates.length);
      expect(body.downsampled).toBe(maxPoints < candidates.length);
    }
  });

  it("downsamples training metrics in order", async () => {
    const body = (await get("/metrics?maxPoints=10")).json();
    expect(body.items.length).toBeLessThanOrEqual(10);
    expect(body.items.reduce((n: number, p: { count: number }) => n + p.count, 0)).toBe(40);
    const losses = body.items.map((p: { loss: number }) => p.loss);
    expect(losses).toEqual([...losses].sort((a, b) => b - a));
  });

  it("shows an architecture with its figures and front membership", async () => {
    const front = (await get("/pareto")).json() as { id: string }[];
    const onFront = (await get(`/architectures/${front[0]!.id}`)).json();
    expect(onFront.metrics.onFront).toBe(true);
    const other = candidates.find((c) => !front.some((p) => p.id === c.id))!;
    const res = (await get(`/architectures/${other.id}`)).json();
    expect(res).toEqual({
      id: other.id,
      arch: other.arch,
      metrics: {
        accuracy: other.accuracy,
        macs: other.macs,
        params: other.params,
        generation: other.generation,
        onFront: false,
        latencyMs: null,
        latencyP90Ms: null,
        latencyThreads: null,
        latencyRuns: null,
        latencyCpu: null,
        testAccuracy: null,
        finalEpochs: null,
        finalMode: null,
        finalValAccuracy: null,
      },
    });
    expect((await get("/architectures/nope")).statusCode).toBe(404);
  });
});

describe("bundle download", () => {
  it("sends the bundle as .tar.gz whose SHA-256 is the X-Content-SHA256 header", async () => {
    const archId = candidates[0]!.id;
    const files: Record<string, string> = {
      "arch.json": JSON.stringify(candidates[0]!.arch),
      "weights/model.json": '{"w":[1,2,3]}',
      "README.md": "# bundle\n",
    };
    for (const [name, text] of Object.entries(files)) {
      const stored = await h.store.put(searchKey(searchId, "out", "bundles", archId, ...name.split("/")), text);
      await h.db.artifacts.record({
        searchId,
        archHash: archId,
        kind: "bundle",
        path: stored.key,
        size: stored.size,
        sha256: stored.sha256,
      });
    }
    const res = await get(`/architectures/${archId}/download`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/gzip");
    const digest = createHash("sha256").update(res.rawPayload).digest();
    expect(res.headers["x-content-sha256"]).toBe(digest.toString("hex"));
    expect(res.headers.digest).toBe(`sha-256=${digest.toString("base64")}`);
    const again = await get(`/architectures/${archId}/download`);
    expect(again.headers["x-content-sha256"]).toBe(res.headers["x-content-sha256"]);

    const dir = await mkdtemp(join(tmpdir(), "bundle-check-"));
    try {
      await writeFile(join(dir, "b.tar.gz"), res.rawPayload);
      await extractTar({ file: join(dir, "b.tar.gz"), cwd: dir });
      expect((await readdir(join(dir, archId))).sort()).toEqual(["README.md", "arch.json", "weights"]);
      for (const [name, text] of Object.entries(files)) {
        expect(await readFile(join(dir, archId, ...name.split("/")), "utf8")).toBe(text);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // The archive is built once, from the files as recorded, and kept in the store: a file changed afterwards does
    // not reach a download. Built again (the archive removed), a file that no longer matches its recorded digest is
    // refused, not served, and no archive is left behind.
    await writeFile(h.store.pathOf(searchKey(searchId, "out", "bundles", archId, "README.md")), "tampered");
    const kept = await get(`/architectures/${archId}/download`);
    expect(kept.statusCode).toBe(200);
    expect(kept.rawPayload.equals(res.rawPayload)).toBe(true);
    const archives = join(h.artifactsDir, "archives");
    expect(await readdir(archives)).toHaveLength(1);
    await rm(archives, { recursive: true });
    const corrupt = await get(`/architectures/${archId}/download`);
    expect(corrupt.statusCode).toBe(500);
    expect(corrupt.json().error).toBe("internal_error");
    expect(await readdir(archives)).toEqual([]);
    expect((await get(`/architectures/${candidates[1]!.id}/download`)).statusCode).toBe(404);
  });
});

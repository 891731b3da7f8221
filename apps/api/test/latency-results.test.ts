// The front's measured latency through the API: median, p90 and threads beside MACs on the front and the
// candidates, with runs and CPU on an architecture; null where nothing was measured; another team's search 404.
import type { NasSearch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let other: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;

const candidates = [
  { id: "l1", arch: { format: "vit-arch/v1", n: 1 }, accuracy: 0.5, macs: 1000, params: 10, generation: 0 },
  { id: "l2", arch: { format: "vit-arch/v1", n: 2 }, accuracy: 0.6, macs: 2000, params: 20, generation: 1 },
  { id: "l3", arch: { format: "vit-arch/v1", n: 3 }, accuracy: 0.4, macs: 3000, params: 30, generation: 1 },
];
const measured = (id: string, medianMs: number) => ({
  id,
  medianMs,
  p90Ms: medianMs + 0.25,
  threads: 2,
  runs: 50,
  cpu: "Test CPU",
});
const figures = (medianMs: number) => ({ latencyMs: medianMs, latencyP90Ms: medianMs + 0.25, latencyThreads: 2 });
const unmeasured = { latencyMs: null, latencyP90Ms: null, latencyThreads: null };

const get = (url: string, auth = team.auth) =>
  h.app.inject({ method: "GET", url: `/v1/searches/${searchId}${url}`, headers: auth });

beforeAll(async () => {
  h = await startHarness();
  team = await h.team("latency");
  other = await h.team("latency-other");
  searchId = (await h.db.searches.create({ teamId: team.id, job: tinyJob("latency") as unknown as NasSearch })).search
    .id;
  await h.db.candidates.upsert(searchId, candidates);
  await h.db.fronts.set(searchId, 1, ["l1", "l2"], 0.5);
  await h.db.frontLatencies.replace(searchId, [measured("l1", 1.5), measured("l2", 3.25)]);
});
afterAll(async () => {
  await h?.close();
});

describe("measured latency", () => {
  it("is on every front point, beside MACs", async () => {
    const res = await get("/pareto");
    expect(res.statusCode).toBe(200);
    expect(
      res.json().map((p: Record<string, unknown>) => [p.id, p.macs, p.latencyMs, p.latencyP90Ms, p.latencyThreads]),
    ).toEqual([
      ["l1", 1000, 1.5, 1.75, 2],
      ["l2", 2000, 3.25, 3.5, 2],
    ]);
  });

  it("is on the measured candidates and null on the others", async () => {
    const res = await get("/candidates?sort=macs&arch=false");
    expect(res.statusCode).toBe(200);
    expect(
      res.json().items.map((c: Record<string, unknown>) => ({
        id: c.id,
        latencyMs: c.latencyMs,
        latencyP90Ms: c.latencyP90Ms,
        latencyThreads: c.latencyThreads,
      })),
    ).toEqual([
      { id: "l1", ...figures(1.5) },
      { id: "l2", ...figures(3.25) },
      { id: "l3", ...unmeasured },
    ]);
  });

  it("is in an architecture's metrics with its runs and CPU", async () => {
    expect((await get("/architectures/l2")).json().metrics).toMatchObject({
      macs: 2000,
      ...figures(3.25),
      latencyRuns: 50,
      latencyCpu: "Test CPU",
    });
    expect((await get("/architectures/l3")).json().metrics).toMatchObject({
      ...unmeasured,
      latencyRuns: null,
      latencyCpu: null,
    });
  });

  it("is another team's search: 404", async () => {
    expect((await get("/pareto", other.auth)).statusCode).toBe(404);
    expect((await get("/architectures/l1", other.auth)).statusCode).toBe(404);
  });
});

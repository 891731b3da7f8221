// The final phase's results through the API: test accuracy, epochs and mode on the candidates, the front and an
// architecture (null where it trained nothing), the download of the trained model or, asked, the inherited one, the
// final trainings' loss apart from the super-network's, and another team's search answering 404 throughout.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { searchKey } from "@vitnas/artifacts";
import type { NasSearch } from "@vitnas/formats";
import { x as extractTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let other: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;

const candidates = [
  { id: "c1", arch: { format: "vit-arch/v1", n: 1 }, accuracy: 0.5, macs: 1000, params: 10, generation: 0 },
  { id: "c2", arch: { format: "vit-arch/v1", n: 2 }, accuracy: 0.6, macs: 2000, params: 20, generation: 1 },
  { id: "c3", arch: { format: "vit-arch/v1", n: 3 }, accuracy: 0.4, macs: 3000, params: 30, generation: 1 },
];
const trained = { id: "c2", testAccuracy: 0.71, valAccuracy: 0.73, epochs: 4, mode: "finetune" };
const untrained = { testAccuracy: null, finalEpochs: null, finalMode: null };
// No latency measured in these searches (latency-results.test.ts has some).
const unmeasured = { latencyMs: null, latencyP90Ms: null, latencyThreads: null };

async function store(kind: string, dir: string, archId: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    const stored = await h.store.put(searchKey(searchId, "out", dir, archId, name), text);
    await h.db.artifacts.record({
      searchId,
      archHash: archId,
      kind,
      path: stored.key,
      size: stored.size,
      sha256: stored.sha256,
    });
  }
}

const get = (url: string, auth = team.auth) =>
  h.app.inject({ method: "GET", url: `/v1/searches/${searchId}${url}`, headers: auth });

beforeAll(async () => {
  h = await startHarness();
  team = await h.team("final");
  other = await h.team("final-other");
  searchId = (await h.db.searches.create({ teamId: team.id, job: tinyJob("final") as unknown as NasSearch })).search.id;
  await h.db.candidates.upsert(searchId, candidates);
  await h.db.fronts.set(searchId, 1, ["c1", "c2"], 0.5);
  await h.db.finalTrainings.replace(searchId, [trained]);
  for (const id of ["c1", "c2"]) {
    await store("bundle", "architectures", id, {
      "arch.json": `{"n":"${id}"}`,
      "metrics.json": JSON.stringify({ id, accuracy: 0.6 }),
    });
  }
  await store("trained", "trained", "c2", {
    "arch.json": '{"n":"c2"}',
    "metrics.json": JSON.stringify({ id: "c2", accuracy: 0.73, testAccuracy: 0.71, training: { kind: "standalone" } }),
  });
  for (const [phase, loss] of [
    ["supernet", 2],
    ["supernet", 1.5],
    ["final", 0.3],
  ] as const) {
    await h.db.progress.report(searchId, { phase, percent: 50, step: 1, loss });
  }
});
afterAll(async () => {
  await h?.close();
});

/** The files of a downloaded .tar.gz, under its one top directory. */
async function unpack(payload: Buffer, root: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), "final-download-"));
  try {
    await writeFile(join(dir, "b.tar.gz"), payload);
    await extractTar({ file: join(dir, "b.tar.gz"), cwd: dir });
    const out: Record<string, string> = {};
    for (const name of ["arch.json", "metrics.json"]) out[name] = await readFile(join(dir, root, name), "utf8");
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the final phase's figures", () => {
  it("are on the trained candidate and null on the others", async () => {
    const res = await get("/candidates?sort=macs&arch=false");
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([
      { id: "c1", accuracy: 0.5, macs: 1000, params: 10, generation: 0, ...unmeasured, ...untrained },
      {
        id: "c2",
        accuracy: 0.6,
        macs: 2000,
        params: 20,
        generation: 1,
        ...unmeasured,
        testAccuracy: 0.71,
        finalEpochs: 4,
        finalMode: "finetune",
      },
      { id: "c3", accuracy: 0.4, macs: 3000, params: 30, generation: 1, ...unmeasured, ...untrained },
    ]);
  });

  it("are on the front", async () => {
    const res = await get("/pareto");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { id: "c1", accuracy: 0.5, macs: 1000, params: 10, ...unmeasured, ...untrained },
      {
        id: "c2",
        accuracy: 0.6,
        macs: 2000,
        params: 20,
        ...unmeasured,
        testAccuracy: 0.71,
        finalEpochs: 4,
        finalMode: "finetune",
      },
    ]);
  });

  it("are in an architecture's metrics, with the trained model's validation accuracy", async () => {
    expect((await get("/architectures/c2")).json().metrics).toEqual({
      accuracy: 0.6,
      macs: 2000,
      params: 20,
      generation: 1,
      onFront: true,
      ...unmeasured,
      latencyRuns: null,
      latencyCpu: null,
      testAccuracy: 0.71,
      finalEpochs: 4,
      finalMode: "finetune",
      finalValAccuracy: 0.73,
    });
    expect((await get("/architectures/c3")).json().metrics).toMatchObject({ ...untrained, finalValAccuracy: null });
  });

  it("keep the final trainings' loss apart from the super-network's", async () => {
    const losses = async (query: string) =>
      (await get(`/metrics${query}`)).json().items.map((p: { loss: number }) => p.loss);
    expect(await losses("")).toEqual([2, 1.5]);
    expect(await losses("?phase=supernet")).toEqual([2, 1.5]);
    expect(await losses("?phase=final")).toEqual([0.3]);
    expect((await get("/metrics?phase=export")).statusCode).toBe(400);
  });
});

describe("the download", () => {
  it("sends the trained model when there is one, the inherited one when asked, each with its own digest", async () => {
    const res = await get("/architectures/c2/download");
    expect(res.statusCode).toBe(200);
    expect(res.headers["x-weights"]).toBe("trained");
    expect(res.headers["content-disposition"]).toBe('attachment; filename="c2.trained.tar.gz"');
    expect(res.headers["x-content-sha256"]).toBe(createHash("sha256").update(res.rawPayload).digest("hex"));
    const files = await unpack(res.rawPayload, "c2");
    expect(JSON.parse(files["metrics.json"]!)).toMatchObject({ testAccuracy: 0.71, training: { kind: "standalone" } });
    expect((await get("/architectures/c2/download?weights=trained")).rawPayload.equals(res.rawPayload)).toBe(true);

    const inherited = await get("/architectures/c2/download?weights=inherited");
    expect(inherited.statusCode).toBe(200);
    expect(inherited.headers["x-weights"]).toBe("inherited");
    expect(inherited.headers["content-disposition"]).toBe('attachment; filename="c2.tar.gz"');
    expect(inherited.headers["x-content-sha256"]).toBe(createHash("sha256").update(inherited.rawPayload).digest("hex"));
    expect(inherited.headers["x-content-sha256"]).not.toBe(res.headers["x-content-sha256"]);
    expect(JSON.parse((await unpack(inherited.rawPayload, "c2"))["metrics.json"]!)).toEqual({
      id: "c2",
      accuracy: 0.6,
    });
  });

  it("sends the inherited model of an architecture the final phase did not train, and 404 when the trained one is asked", async () => {
    const res = await get("/architectures/c1/download");
    expect(res.statusCode).toBe(200);
    expect(res.headers["x-weights"]).toBe("inherited");
    const asked = await get("/architectures/c1/download?weights=trained");
    expect(asked.statusCode).toBe(404);
    expect(asked.json().message).toMatch(/c1 has no trained model/);
    expect((await get("/architectures/c3/download?weights=inherited")).statusCode).toBe(404);
    expect((await get("/architectures/nowhere/download?weights=trained")).json().message).toMatch(/not found/);
    expect((await get("/architectures/c2/download?weights=best")).statusCode).toBe(400);
  });

  it("answers 404 for another team's search, trained or not", async () => {
    for (const url of [
      "/architectures/c2/download",
      "/architectures/c2/download?weights=inherited",
      "/architectures/c2/download?weights=trained",
      "/architectures/c2",
      "/candidates",
      "/pareto",
      "/metrics?phase=final",
    ]) {
      const res = await get(url, other.auth);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain("0.71");
    }
  });
});

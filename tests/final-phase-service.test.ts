// The final phase end to end: a tiny job asking for one front architecture trained alone and the space's smallest
// uniform architecture as a baseline, submitted over the REST API to a real worker; the search succeeds through the
// phase "final", the API lists the trained architecture's test accuracy, its download is the trained bundle unless
// the inherited one is asked for, and the report (report.md, pareto.svg) and the baseline come through the API.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, type RedisServices, redisServices } from "@vitnas/api";
import { LocalArtifactStore } from "@vitnas/artifacts";
import { createLogger, settingsFromEnv, startWorkerProcess, type WorkerProcess } from "@vitnas/worker";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createService, REDIS_URL, type Service, waitFor } from "./service-harness";

let svc: Service;
let services: RedisServices;
let app: FastifyInstance;
let worker: WorkerProcess;
let auth: { authorization: string };
let otherAuth: { authorization: string };

beforeAll(async () => {
  svc = await createService();
  services = redisServices({ redisUrl: REDIS_URL, prefix: svc.prefix });
  app = await buildApp({
    db: svc.db,
    dispatch: services.dispatch,
    live: services.live,
    workers: services.workers,
    artifacts: new LocalArtifactStore(svc.artifactsDir),
    logger: false,
    rateLimit: false,
  });
  auth = { authorization: `Bearer ${(await svc.db.apiKeys.create(svc.teamId, "final-test")).plaintext}` };
  const other = await svc.db.teams.create("final-other-team");
  otherAuth = { authorization: `Bearer ${(await svc.db.apiKeys.create(other.id, "other")).plaintext}` };
  worker = await startWorkerProcess(
    { ...settingsFromEnv(svc.env), name: "final-test-worker" },
    createLogger("worker", { LOG_LEVEL: "warn" }),
  );
});

afterAll(async () => {
  await worker?.shutdown();
  await app?.close();
  await services?.close();
  await svc?.close();
});

/**
 * tests/fixtures/tiny-search.json with one front architecture and the smallest uniform one fine-tuned for one epoch,
 * on a small test split; its name is markup, which the report must show as text.
 */
function job() {
  const doc = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "tiny-search.json"), "utf8"));
  doc.name = "<b>tiny-final</b>";
  doc.dataset.test = 64;
  doc.final = { top: 1, epochs: 1 };
  doc.baselines = { builtin: ["smallest"] };
  return doc;
}

const get = (url: string, headers: Record<string, string> = auth) => app.inject({ method: "GET", url, headers });

/** metrics.json of a downloaded bundle, and its top directory's name. */
async function bundleMetrics(payload: Buffer, root: string): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), "final-bundle-"));
  try {
    await writeFile(join(dir, "bundle.tar.gz"), payload);
    execFileSync("tar", ["-xzf", "bundle.tar.gz"], { cwd: dir });
    return JSON.parse(readFileSync(join(dir, root, "metrics.json"), "utf8"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the final phase through the service", () => {
  it("trains the most accurate front architecture alone, lists its test accuracy, serves its trained bundle, the baseline and the report", async () => {
    const posted = await app.inject({ method: "POST", url: "/v1/searches", headers: auth, payload: job() });
    expect(posted.statusCode, posted.body).toBe(201);
    const id = posted.json().id as string;
    // Before the search has finished, there is no report to read.
    const early = await get(`/v1/searches/${id}/report`);
    expect(early.statusCode).toBe(404);
    expect(early.json().message).toMatch(/is (queued|running): its report\.md is written when it finishes/);
    await waitFor(
      `search ${id} to succeed`,
      async () => {
        const view = (await get(`/v1/searches/${id}`)).json();
        if (view.status === "failed") throw new Error(`search failed: ${view.error}`);
        return view.status === "succeeded";
      },
      300_000,
      250,
    );

    // The event history, replayed over SSE, went through the final phase before the end.
    const stream = await get(`/v1/searches/${id}/events`, { ...auth, "last-event-id": "0" });
    const phases = [...stream.body.matchAll(/"phase":"(\w+)"/g)].map((m) => m[1]!);
    expect(phases).toContain("final");
    expect(phases.lastIndexOf("final")).toBeLessThan(phases.lastIndexOf("done"));
    expect(phases.indexOf("final")).toBeGreaterThan(phases.lastIndexOf("search"));

    const front = (await get(`/v1/searches/${id}/pareto`)).json() as {
      id: string;
      accuracy: number;
      testAccuracy: number | null;
      finalEpochs: number | null;
      finalMode: string | null;
    }[];
    const best = front.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    const trained = front.filter((p) => p.testAccuracy !== null);
    expect(trained.map((p) => p.id)).toEqual([best.id]);
    expect(best).toMatchObject({ finalEpochs: 1, finalMode: "finetune" });
    expect(best.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(best.testAccuracy).toBeLessThanOrEqual(1);

    const listed = (await get(`/v1/searches/${id}/candidates?sort=-accuracy&limit=500&arch=false`)).json().items as {
      id: string;
      testAccuracy: number | null;
    }[];
    expect(listed.filter((c) => c.testAccuracy !== null)).toEqual([
      expect.objectContaining({ id: best.id, testAccuracy: best.testAccuracy, finalEpochs: 1, finalMode: "finetune" }),
    ]);
    const detail = (await get(`/v1/searches/${id}/architectures/${best.id}`)).json();
    expect(detail.metrics).toMatchObject({ testAccuracy: best.testAccuracy, finalEpochs: 1, finalMode: "finetune" });
    expect(detail.metrics.finalValAccuracy).toEqual(expect.any(Number));
    const finalLosses = (await get(`/v1/searches/${id}/metrics?phase=final`)).json().items;
    expect(finalLosses.length).toBeGreaterThan(0);

    const download = await get(`/v1/searches/${id}/architectures/${best.id}/download`);
    expect(download.statusCode).toBe(200);
    expect(download.headers["x-weights"]).toBe("trained");
    expect(download.headers["x-content-sha256"]).toBe(createHash("sha256").update(download.rawPayload).digest("hex"));
    const trainedMetrics = await bundleMetrics(download.rawPayload, best.id);
    expect(trainedMetrics).toMatchObject({
      id: best.id,
      testAccuracy: best.testAccuracy,
      training: { kind: "standalone", epochs: 1 },
    });

    const inherited = await get(`/v1/searches/${id}/architectures/${best.id}/download?weights=inherited`);
    expect(inherited.statusCode).toBe(200);
    expect(inherited.headers["x-weights"]).toBe("inherited");
    expect(inherited.headers["x-content-sha256"]).toBe(createHash("sha256").update(inherited.rawPayload).digest("hex"));
    const inheritedMetrics = await bundleMetrics(inherited.rawPayload, best.id);
    expect(inheritedMetrics).toMatchObject({ id: best.id, accuracy: best.accuracy });
    expect(inheritedMetrics.training).toBeUndefined();

    // An architecture the phase did not train has only its inherited bundle.
    const untrained = front.find((p) => p.id !== best.id);
    if (untrained) {
      const res = await get(`/v1/searches/${id}/architectures/${untrained.id}/download`);
      expect(res.headers["x-weights"]).toBe("inherited");
      expect((await get(`/v1/searches/${id}/architectures/${untrained.id}/download?weights=trained`)).statusCode).toBe(
        404,
      );
    }

    // The baseline: the space's smallest uniform architecture, trained with the same recipe, with its bundle.
    const baselines = (await get(`/v1/searches/${id}/baselines`)).json().items as {
      name: string;
      id: string;
      arch: { stages: { width: number }[] };
      macs: number;
      testAccuracy: number;
      epochs: number;
      mode: string;
      download: string;
    }[];
    expect(baselines).toHaveLength(1);
    const [baseline] = baselines;
    expect(baseline).toMatchObject({ name: "uniform-smallest", epochs: 1, mode: "finetune" });
    expect(baseline!.arch.stages[0]!.width).toBe(8);
    expect(baseline!.macs).toBeGreaterThan(0);
    expect(baseline!.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(baseline!.testAccuracy).toBeLessThanOrEqual(1);
    const bundle = await get(baseline!.download);
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers["x-arch-id"]).toBe(baseline!.id);
    expect(bundle.headers["x-content-sha256"]).toBe(createHash("sha256").update(bundle.rawPayload).digest("hex"));
    expect(await bundleMetrics(bundle.rawPayload, "uniform-smallest")).toMatchObject({
      testAccuracy: baseline!.testAccuracy,
      training: { kind: "standalone", epochs: 1 },
    });

    // The report: the front with the trained test accuracy and the baseline, the name as text; its chart.
    const report = await get(`/v1/searches/${id}/report`);
    expect(report.statusCode).toBe(200);
    expect(report.headers["content-type"]).toBe("text/markdown; charset=utf-8");
    expect(report.body.split("\n")[0]).toBe("# &lt;b&gt;tiny-final&lt;/b&gt;");
    expect(report.body).toContain(`| \`${best.id}\` |`);
    expect(report.body).toContain(`${(100 * best.testAccuracy!).toFixed(2)}%`);
    expect(report.body).toMatch(/## Baselines[\s\S]*\| uniform-smallest \|/);
    const chart = await get(`/v1/searches/${id}/pareto.svg`);
    expect(chart.statusCode).toBe(200);
    expect(chart.headers["content-type"]).toBe("image/svg+xml");
    expect(chart.headers["content-security-policy"]).not.toContain("script");
    expect(chart.body.startsWith("<svg")).toBe(true);
    expect(chart.body).toContain("&lt;b&gt;tiny-final&lt;/b&gt;: accuracy against MACs");
    expect(chart.body).toContain("baselines (test)");
    expect((await get(`/v1/searches/${id}/report?format=svg`)).rawPayload.equals(chart.rawPayload)).toBe(true);

    for (const url of [
      "/pareto",
      `/architectures/${best.id}`,
      `/architectures/${best.id}/download`,
      "/report",
      "/pareto.svg",
      "/baselines",
      "/baselines/uniform-smallest/download",
    ]) {
      expect((await get(`/v1/searches/${id}${url}`, otherAuth)).statusCode, url).toBe(404);
    }
  }, 320_000);
});

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, type Db } from "@vitnas/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { type RedisServices, redisServices } from "../src/services";
import { type Harness, REDIS_URL, startHarness, tinyJob } from "./harness";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function waitForStatus(probe: () => Promise<number>, status: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (last !== status && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

describe("health", () => {
  it("is alive and ready when Postgres and Redis answer", async () => {
    expect((await h.app.inject("/healthz")).json()).toEqual({ status: "ok" });
    const ready = await h.app.inject("/readyz");
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: "ready", checks: { postgres: { ok: true }, redis: { ok: true } } });
  });

  it("is not ready (503, naming it) while Postgres or Redis is unreachable, and recovers when they return", async () => {
    const pgProxy: TcpProxy = await startTcpProxy(5432);
    const redisProxy: TcpProxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    const url = new URL(h.scratch.url);
    url.port = String(pgProxy.port);
    const db: Db = createDb(url.toString(), { connectionTimeoutMs: 1000 });
    const services: RedisServices = redisServices({
      redisUrl: `redis://127.0.0.1:${redisProxy.port}`,
      prefix: h.prefix,
    });
    const app = await buildApp({
      db,
      dispatch: services.dispatch,
      artifacts: h.store,
      readiness: { redis: () => services.ping() },
      readinessTimeoutMs: 500,
      rateLimit: { max: 1000, timeWindowMs: 60_000, redis: services.failFast, nameSpace: h.prefix },
    });
    const probe = async () => (await app.inject("/readyz")).statusCode;
    try {
      expect(await waitForStatus(probe, 200)).toBe(200);

      await pgProxy.down();
      expect(await waitForStatus(probe, 503)).toBe(503);
      const pgDown = (await app.inject("/readyz")).json();
      expect(pgDown.error).toBe("unavailable");
      expect(pgDown.message).toContain("postgres");
      expect(pgDown.message).not.toContain("redis");
      await pgProxy.up();
      expect(await waitForStatus(probe, 200)).toBe(200);

      await redisProxy.down();
      expect(await waitForStatus(probe, 503)).toBe(503);
      const redisDown = (await app.inject("/readyz")).json();
      expect(redisDown.message).toContain("redis");
      expect(redisDown.message).not.toContain("postgres");
      // Reads go on without Redis: the shared rate limit lets requests through rather than holding them.
      const team0 = await h.team();
      expect((await app.inject({ url: "/v1/searches", headers: team0.auth })).statusCode).toBe(200);
      // A submission while the queue is down is recorded, failed with the reason, and resumable.
      const team = await h.team();
      const submitted = await app.inject({
        method: "POST",
        url: "/v1/searches",
        headers: team.auth,
        payload: tinyJob(),
      });
      expect(submitted.statusCode).toBe(503);
      expect(submitted.json().error).toBe("queue_unavailable");
      const failed = await h.db.searches.get(submitted.json().details.id);
      expect(failed).toMatchObject({ status: "failed", error: expect.stringContaining("could not be queued") });
      await redisProxy.up();
      expect(await waitForStatus(probe, 200)).toBe(200);
      const resumed = await app.inject({
        method: "POST",
        url: `/v1/searches/${failed!.id}/resume`,
        headers: team.auth,
      });
      expect(resumed.json()).toEqual({ id: failed!.id, status: "queued" });
    } finally {
      await app.close();
      await services.close();
      await db.close();
      await pgProxy.down();
      await redisProxy.down();
    }
  });

  it("answers 503 at once for a closed port", async () => {
    const db = createDb("postgresql://postgres@127.0.0.1:1/none", { connectionTimeoutMs: 500 });
    const services = redisServices({ redisUrl: "redis://127.0.0.1:1", prefix: h.prefix });
    const app = await buildApp({
      db,
      dispatch: services.dispatch,
      artifacts: h.store,
      readiness: { redis: () => services.ping() },
      readinessTimeoutMs: 500,
    });
    try {
      const res = await app.inject("/readyz");
      expect(res.statusCode).toBe(503);
      expect(res.json().message).toMatch(/postgres is unreachable.*redis is unreachable/);
      expect((await app.inject("/healthz")).statusCode).toBe(200);
    } finally {
      await app.close();
      await services.close();
      await db.close();
    }
  });
});

describe("metrics, OpenAPI and the dashboard", () => {
  it("exposes request durations, searches by status and queue depth to Prometheus", async () => {
    const team = await h.team();
    await h.app.inject({ method: "POST", url: "/v1/searches", headers: team.auth, payload: tinyJob() });
    const text = (await h.app.inject("/metrics")).body;
    expect(text).toMatch(
      /vitnas_http_request_duration_seconds_count\{method="POST",route="\/v1\/searches\/?",status_code="201"\} [1-9]/,
    );
    expect(text).toMatch(/vitnas_searches\{status="queued"\} [1-9]/);
    expect(text).toMatch(/vitnas_queue_jobs\{state="waiting"\} [1-9]/);
  });

  it("publishes the OpenAPI document and its UI", async () => {
    const doc = (await h.app.inject("/openapi.json")).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/searches/", "/v1/searches/{id}", "/v1/searches/{id}/candidates", "/v1/session"]),
    );
    expect((await h.app.inject("/docs")).statusCode).toBeLessThan(400);
  });

  it("says how to build the dashboard when it is missing, and serves it with an SPA fallback when built", async () => {
    const missing = await h.app.inject("/");
    expect(missing.statusCode).toBe(503);
    expect(missing.json().message).toContain("npm run build");

    const dist = await mkdtemp(join(tmpdir(), "dashboard-dist-"));
    await mkdir(join(dist, "assets"));
    await writeFile(join(dist, "index.html"), "<!doctype html><title>ViT NAS</title>");
    await writeFile(join(dist, "assets", "app.js"), "console.log(1)");
    const app = await buildApp({ db: h.db, dispatch: h.services.dispatch, artifacts: h.store, dashboardDir: dist });
    try {
      expect((await app.inject("/")).body).toContain("ViT NAS");
      expect((await app.inject("/assets/app.js")).body).toBe("console.log(1)");
      const deepLink = await app.inject("/searches/123");
      expect(deepLink.statusCode).toBe(200);
      expect(deepLink.body).toContain("ViT NAS");
      const apiMiss = await app.inject("/v1/nothing-here");
      expect(apiMiss.statusCode).toBe(404);
      expect(apiMiss.json().error).toBe("not_found");
    } finally {
      await app.close();
      await rm(dist, { recursive: true, force: true });
    }
  });
});

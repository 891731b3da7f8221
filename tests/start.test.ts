// `npm start` (apps/server): creates a missing database, migrates it, runs the API and a worker as child processes;
// SIGTERM stops both cleanly; a child dying stops the other and the launcher; a worker failing its self-test leaves
// the API serving; an unreachable Redis or PostgreSQL stops it at once with a message naming it.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { adminDatabaseUrl } from "@vitnas/db";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_URL, ROOT, waitFor } from "./service-harness";

const databaseName = `vitnas_start_${randomBytes(5).toString("hex")}`;
const databaseUrl = (() => {
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

async function admin(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await admin(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
});

function startService(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(ROOT, "apps/server/src/main.ts")], {
    cwd: ROOT,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", NAS_BACKEND: "wasm", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The launcher's children's process ids, from its "started the API" and "started the worker" log lines. */
async function childPids(output: () => string): Promise<{ API: number; worker: number }> {
  return waitFor("both children to start", async () => {
    const pids: Record<string, number> = {};
    for (const line of output().split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { name?: string; child?: string; childPid?: number };
      if (entry.name === "start" && entry.child && entry.childPid) pids[entry.child] = entry.childPid;
    }
    return pids.API && pids.worker ? { API: pids.API, worker: pids.worker } : undefined;
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The port the API child listens on, from Fastify's log line. */
function apiPort(output: () => string): Promise<number> {
  return waitFor("the API to listen", async () => {
    const match = output().match(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/);
    return match ? Number(match[1]) : undefined;
  });
}

// A backend health module with the supernet's self-test contract (instant; the backend named "broken" fails).
const healthModule = pathToFileURL(join(ROOT, "apps/worker/test/fixtures/health.ts")).href;

/**
 * `npm start` with the instant health module as the worker's self-test, on its own queue prefix and artifact store;
 * `use` runs once the API listens and both children started. Whatever happens, no process is left behind.
 */
async function withFixtureService(
  env: Record<string, string>,
  use: (service: ReturnType<typeof startService>, pids: { API: number; worker: number }, port: number) => Promise<void>,
): Promise<void> {
  const artifacts = await mkdtemp(join(tmpdir(), "start-artifacts-"));
  const service = startService({
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: `start-test-${randomBytes(4).toString("hex")}`,
    ARTIFACTS_DIR: artifacts,
    WORKER_SELF_TEST_MODULE: healthModule,
    ...env,
  });
  let pids: { API: number; worker: number } | undefined;
  try {
    const port = await apiPort(service.output);
    pids = await childPids(service.output);
    await use(service, pids, port);
  } finally {
    service.child.kill("SIGKILL");
    for (const pid of Object.values(pids ?? {})) if (alive(pid)) process.kill(pid, "SIGKILL");
    await rm(artifacts, { recursive: true, force: true });
  }
}

describe("npm start", () => {
  it("creates and migrates the database, serves the API with a worker, and stops both on SIGTERM", async () => {
    const prefix = `start-test-${randomBytes(4).toString("hex")}`;
    const artifacts = await mkdtemp(join(tmpdir(), "start-artifacts-"));
    const service = startService({
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifacts,
    });
    const redis = new Redis(REDIS_URL);
    try {
      const port = await apiPort(service.output);
      const pids = await childPids(service.output);
      expect(service.output()).toContain("created the database");
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json());
      expect(ready).toMatchObject({ status: "ready", checks: { postgres: { ok: true }, redis: { ok: true } } });
      const { rows } = await admin(`SELECT 1 FROM pg_database WHERE datname = '${databaseName}'`);
      expect(rows).toHaveLength(1);
      const heartbeat = await waitFor("the worker's heartbeat", async () => {
        const keys = await redis.keys(`${prefix}:workers:*`);
        return keys.length === 1 ? JSON.parse((await redis.get(keys[0]!))!) : undefined;
      });
      expect(heartbeat).toMatchObject({ backend: "wasm", running: [] });

      service.child.kill("SIGTERM");
      expect(await service.exited).toBe(0);
      expect(alive(pids.API), "the API process").toBe(false);
      expect(alive(pids.worker), "the worker process").toBe(false);
      expect(await redis.keys(`${prefix}:workers:*`)).toEqual([]);
    } finally {
      service.child.kill("SIGKILL");
      redis.disconnect();
      await rm(artifacts, { recursive: true, force: true });
    }
  });

  it("stops the API and exits 1, saying which, when the worker dies", async () => {
    await withFixtureService({}, async (service, pids) => {
      await waitFor("the worker to consume the queue", async () =>
        service.output().includes("worker consuming the search queue"),
      );
      process.kill(pids.worker, "SIGKILL");
      expect(await service.exited).toBe(1);
      expect(service.output()).toContain("the worker exited unexpectedly (killed by SIGKILL): stopping the API");
      expect(alive(pids.API), "the API process").toBe(false);
    });
  });

  it("keeps the API serving when the worker's backend fails its self-test", async () => {
    await withFixtureService({ NAS_BACKEND: "broken" }, async (service, pids, port) => {
      await waitFor("the worker to give up", async () => service.output().includes("no worker (exit status 3)"));
      expect(service.output()).toContain("backend self-test failed");
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json());
      expect(ready).toMatchObject({ status: "ready" });

      service.child.kill("SIGTERM");
      expect(await service.exited).toBe(0);
      expect(alive(pids.API), "the API process").toBe(false);
    });
  });

  it("stops at once, naming the service, when Redis or PostgreSQL is unreachable", async () => {
    const noRedis = startService({ DATABASE_URL: databaseUrl, REDIS_URL: "redis://127.0.0.1:1" });
    expect(await noRedis.exited).toBe(1);
    expect(noRedis.output()).toContain("Redis is unreachable at redis://127.0.0.1:1 (ECONNREFUSED)");

    const noPostgres = startService({ DATABASE_URL: "postgresql://postgres@127.0.0.1:1/vitnas", REDIS_URL });
    expect(await noPostgres.exited).toBe(1);
    expect(noPostgres.output()).toContain("PostgreSQL is unreachable at postgresql://postgres@127.0.0.1:1/vitnas");
  });
});

// `npm start` (apps/server): creates a missing database, migrates it, serves the API and runs a worker; SIGTERM
// stops it cleanly; an unreachable Redis or PostgreSQL stops it at once with a message naming it.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

describe("npm start", () => {
  it("creates and migrates the database, serves the API with a worker, and stops on SIGTERM", async () => {
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
      const port = await waitFor("the API to listen", async () => {
        const match = service.output().match(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/);
        return match ? Number(match[1]) : undefined;
      });
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
      expect(await redis.keys(`${prefix}:workers:*`)).toEqual([]);
    } finally {
      service.child.kill("SIGKILL");
      redis.disconnect();
      await rm(artifacts, { recursive: true, force: true });
    }
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

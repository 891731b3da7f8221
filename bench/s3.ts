// S3 artifact store bench (`npm run bench -- --only s3`): the API process's memory while it serves bundle downloads
// from an S3-compatible bucket, for a small and a large bundle. The API runs as its own process (apps/api/src/
// server.ts, ARTIFACTS_URL pointing at an s3rver started on this machine); its resident memory is sampled from
// /proc every 20 ms during each download. A download that streamed (docs/deployment.md, "Artifact store") grows it
// by about the same few MiB whatever the bundle's size; one that held the archive in memory would grow it by the
// archive's size.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { searchKey } from "@vitnas/artifacts";
import { createDb, createScratchDatabase } from "@vitnas/db";
import { Redis } from "ioredis";
import { startS3Server } from "../packages/artifacts/test/s3-server";
import type { BenchSection } from "./run";

const ROOT = resolve(import.meta.dirname, "..");
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const MIB = 1024 * 1024;
const SIZES_MIB = (process.env.S3_BENCH_SIZES_MIB ?? "8,96").split(",").map(Number);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Downloads `url` (hashing the body as it comes), sampling the API's memory meanwhile; returns the peak growth. */
async function measuredDownload(pid: number, url: string, auth: Record<string, string>) {
  const before = await rssOf(pid);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssOf(pid));
      await new Promise((done) => setTimeout(done, 20));
    }
  })();
  const started = performance.now();
  const res = await fetch(url, { headers: auth });
  if (!res.ok || !res.body) throw new Error(`download answered ${res.status}: ${await res.text()}`);
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of res.body) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  if (hash.digest("hex") !== res.headers.get("x-content-sha256")) throw new Error("the body does not match its digest");
  return { growth: peak - before, bytes, seconds };
}

export async function bench(): Promise<BenchSection> {
  const s3 = await startS3Server("vitnas-bench");
  const scratch = await createScratchDatabase({ prefix: "vitnas_bench" });
  const db = createDb(scratch.url);
  const local = await mkdtemp(join(tmpdir(), "s3-bench-"));
  const prefix = `s3-bench-${randomUUID()}`;
  const store = s3.store(join(local, "bench"), { prefix: "bench" });
  let api: ChildProcess | undefined;
  try {
    const port = await freePort();
    api = spawn(process.execPath, ["--import", "tsx", join(ROOT, "apps/api/src/server.ts")], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        DATABASE_URL: scratch.url,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        HOST: "127.0.0.1",
        PORT: String(port),
        LOG_LEVEL: "warn",
        ARTIFACTS_DIR: join(local, "api"),
        ARTIFACTS_URL: `s3://${s3.bucket}/bench`,
        ARTIFACTS_S3_ENDPOINT: s3.endpoint,
        AWS_ACCESS_KEY_ID: "S3RVER",
        AWS_SECRET_ACCESS_KEY: "S3RVER",
      },
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 600) throw new Error("the API did not start within 60 s");
      await new Promise((done) => setTimeout(done, 100));
    }
    const team = await db.teams.create("s3-bench");
    const { plaintext } = await db.apiKeys.create(team.id, "bench");
    const auth = { authorization: `Bearer ${plaintext}`, "content-type": "application/json" };
    const job = readFileSync(join(ROOT, "tests/fixtures/tiny-search.json"), "utf8");
    const submitted = await fetch(`${base}/v1/searches`, { method: "POST", headers: auth, body: job });
    const searchId = ((await submitted.json()) as { id: string }).id;

    const bundle = async (archId: string, weightBytes: number) => {
      const files = { "arch.json": Buffer.from("{}"), "weights.bin": randomBytes(weightBytes) };
      for (const [name, bytes] of Object.entries(files)) {
        const stored = await store.put(searchKey(searchId, "out", "architectures", archId, name), bytes);
        await db.artifacts.record({ searchId, archHash: archId, kind: "bundle", ...stored, path: stored.key });
      }
      return `${base}/v1/searches/${searchId}/architectures/${archId}/download`;
    };
    // Loads the code paths (tar, gzip, the S3 client) before anything is measured.
    const warm = await bundle("warm", 64 * 1024);
    await measuredDownload(api.pid!, warm, auth);
    await measuredDownload(api.pid!, warm, auth);

    const figures: BenchSection["figures"] = {};
    for (const mib of SIZES_MIB) {
      const url = await bundle(`b${mib}`, mib * MIB);
      const first = await measuredDownload(api.pid!, url, auth);
      const again = await measuredDownload(api.pid!, url, auth);
      const mb = (n: number) => (n / MIB).toFixed(1);
      figures[`${mib} MiB bundle: API RSS growth, first download (archive built) / later`] =
        `${mb(first.growth)} / ${mb(again.growth)} MiB`;
      figures[`${mib} MiB bundle: download rate, first / later`] =
        `${mb(first.bytes / first.seconds)} / ${mb(again.bytes / again.seconds)} MiB/s`;
    }
    return { name: "s3", figures };
  } finally {
    if (api && api.exitCode === null) {
      const exited = new Promise((done) => api!.once("exit", done));
      api.kill("SIGTERM");
      await exited;
    }
    await db.close();
    await scratch.drop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await s3.close();
    await rm(local, { recursive: true, force: true });
  }
}

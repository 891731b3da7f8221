// The S3 artifact store against an S3-compatible server running on this machine (s3-server.ts): objects, streamed and
// multipart uploads, and the work and output directories synced between two workers through the bucket.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { searchKey } from "../src/artifact-store";
import type { S3ArtifactStore } from "../src/s3-artifact-store";
import { type S3Server, startS3Server } from "./s3-server";

const started = await startS3Server().then(
  (server) => ({ server }),
  (err: Error) => ({ reason: err.message }),
);
const server = "server" in started ? started.server : undefined;
if (!server) console.warn(`skipping the S3 artifact store's tests: ${"reason" in started ? started.reason : ""}`);

afterAll(async () => {
  await server?.close();
});

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const scratch: string[] = [];
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});
async function worker(s3: S3Server, options = {}): Promise<{ store: S3ArtifactStore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "s3-worker-"));
  scratch.push(dir);
  return { store: s3.store(dir, options), dir };
}

/** Every object key in the bucket under the store's prefix. */
async function objects(store: S3ArtifactStore): Promise<string[]> {
  const page = await store.client.send(
    new ListObjectsV2Command({ Bucket: store.options.bucket, Prefix: `${store.options.prefix}/` }),
  );
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

describe.runIf(server)("S3 artifact store", () => {
  const s3 = server!;
  let a: { store: S3ArtifactStore; dir: string };
  let b: { store: S3ArtifactStore; dir: string };
  beforeEach(async () => {
    a = await worker(s3);
    b = await worker(s3);
  });

  it("stores bytes with their digest in the object's metadata, under the prefix, and reads them back", async () => {
    const stored = await a.store.put(searchKey("o1", "out", "pareto.json"), "[1,2,3]");
    expect(stored).toEqual({
      key: "searches/o1/out/pareto.json",
      size: 7,
      sha256: sha256("[1,2,3]"),
      uri: `s3://${s3.bucket}/install/searches/o1/out/pareto.json`,
    });
    // Another process (the API) sees it.
    expect(await b.store.stat(stored.key)).toEqual(stored);
    expect(await text(await b.store.open(stored.key))).toBe("[1,2,3]");
  });

  it("refuses keys outside the store and names missing artifacts", async () => {
    await expect(a.store.put("../escape", "x")).rejects.toThrow('artifact key "../escape"');
    await expect(a.store.put("a/./b", "x")).rejects.toThrow("not a relative path");
    await expect(a.store.open("searches/none/out/x")).rejects.toThrow(
      `artifact "searches/none/out/x" not found in s3://${s3.bucket}/install/`,
    );
    expect(await a.store.stat("searches/none/out/x")).toBeUndefined();
  });

  it("uploads a stream in parts with the digest of its bytes, and keeps nothing of a stream that fails", async () => {
    const { store } = await worker(s3, { partSize: 5 * 1024 * 1024 });
    const chunk = Buffer.alloc(1024 * 1024);
    const whole = Buffer.concat(Array.from({ length: 12 }, (_, i) => chunk.fill(i)).map((c) => Buffer.from(c)));
    const stored = await store.put(
      "archives/big.bin",
      Readable.from(Array.from({ length: 12 }, (_, i) => whole.subarray(i * chunk.length, (i + 1) * chunk.length))),
    );
    expect(stored).toMatchObject({ size: whole.length, sha256: sha256(whole) });
    expect(await store.stat("archives/big.bin")).toEqual(stored);
    const back = await store.open("archives/big.bin");
    const read = createHash("sha256");
    for await (const part of back) read.update(part as Buffer);
    expect(read.digest("hex")).toBe(sha256(whole));

    const failing = new Readable({ read() {} });
    failing.push(whole.subarray(0, 6 * 1024 * 1024));
    setTimeout(() => failing.destroy(new Error("disk gone")), 50);
    await expect(store.put("archives/broken.bin", failing)).rejects.toThrow("disk gone");
    expect(await store.stat("archives/broken.bin")).toBeUndefined();
    expect((await objects(store)).filter((k) => k.includes("archives/"))).toEqual(["install/archives/big.bin"]);
  });

  it("hands a search's checkpoints from one worker to another through the bucket, the bucket's copy winning", async () => {
    const workA = await a.store.workDir("w1");
    expect(await readdir(workA)).toEqual([]);
    await mkdir(join(workA, "evals"));
    await writeFile(join(workA, "checkpoint.bin"), "weights-1");
    await writeFile(join(workA, "evals", "cache.jsonl"), "{}\n");
    await a.store.saveWorkDir("w1");

    // Worker A dies; worker B resumes the search from what A saved.
    const workB = await b.store.workDir("w1");
    expect(await readFile(join(workB, "checkpoint.bin"), "utf8")).toBe("weights-1");
    expect(await readFile(join(workB, "evals", "cache.jsonl"), "utf8")).toBe("{}\n");
    // A checkpoint of the same size (as every checkpoint of one super-network is), and a file removed.
    await writeFile(join(workB, "checkpoint.bin"), "weights-2");
    await rm(join(workB, "evals", "cache.jsonl"));
    await b.store.saveWorkDir("w1");
    expect((await objects(b.store)).filter((k) => k.includes("/w1/"))).toEqual([
      "install/searches/w1/work/checkpoint.bin",
    ]);

    // Back on worker A, the bucket wins over A's stale copy.
    const again = await a.store.workDir("w1");
    expect(await readFile(join(again, "checkpoint.bin"), "utf8")).toBe("weights-2");
    expect(await readdir(join(again, "evals"))).toEqual([]);
  });

  it("publishes outputs, removes stale ones, and brings the final phase's trained bundles back for a resume", async () => {
    const out = await a.store.outDir("p1");
    for (const dir of ["architectures/a1", "trained/a1", "baselines/uniform-largest"]) {
      await mkdir(join(out, dir), { recursive: true });
      await writeFile(join(out, dir, "metrics.json"), dir);
    }
    await writeFile(join(out, "pareto.json"), "[]");
    const published = await a.store.publishOutputs("p1");
    expect(published.map((f) => [f.key, f.size, f.sha256])).toEqual([
      ["searches/p1/out/architectures/a1/metrics.json", 16, sha256("architectures/a1")],
      ["searches/p1/out/baselines/uniform-largest/metrics.json", 25, sha256("baselines/uniform-largest")],
      ["searches/p1/out/pareto.json", 2, sha256("[]")],
      ["searches/p1/out/trained/a1/metrics.json", 10, sha256("trained/a1")],
    ]);

    // A resumed run on another worker: only the trained bundles come back; what it does not write again is removed.
    const outB = await b.store.outDir("p1");
    expect((await readdir(outB)).sort()).toEqual(["baselines", "trained"]);
    expect(await readFile(join(outB, "trained", "a1", "metrics.json"), "utf8")).toBe("trained/a1");
    await writeFile(join(outB, "pareto.json"), "[1]");
    expect((await b.store.publishOutputs("p1")).map((f) => f.key)).toEqual([
      "searches/p1/out/baselines/uniform-largest/metrics.json",
      "searches/p1/out/pareto.json",
      "searches/p1/out/trained/a1/metrics.json",
    ]);
    expect((await objects(b.store)).filter((k) => k.includes("/p1/"))).toEqual([
      "install/searches/p1/out/baselines/uniform-largest/metrics.json",
      "install/searches/p1/out/pareto.json",
      "install/searches/p1/out/trained/a1/metrics.json",
    ]);
    expect(await text(await a.store.open("searches/p1/out/pareto.json"))).toBe("[1]");
  });
});

describe.runIf(server)("S3 artifact store's start-up check", () => {
  it("passes on the bucket, and names what to fix for a missing bucket, refused credentials or no server", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s3-check-"));
    scratch.push(dir);
    await server!.store(dir).check();
    await expect(server!.store(dir, { bucket: "no-such-bucket" }).check()).rejects.toThrow(
      `ARTIFACTS_URL: bucket "no-such-bucket" does not exist at ${server!.endpoint}: create it, or name another`,
    );
    const wrongKey = server!.store(dir, { credentials: { accessKeyId: "nobody", secretAccessKey: "wrong" } });
    await expect(wrongKey.check()).rejects.toThrow("refused these credentials (403): check AWS_ACCESS_KEY_ID");
    await expect(server!.store(dir, { endpoint: "http://127.0.0.1:1" }).check()).rejects.toThrow(
      "the artifact store's S3 server at http://127.0.0.1:1 is unreachable (ECONNREFUSED",
    );
  });
});

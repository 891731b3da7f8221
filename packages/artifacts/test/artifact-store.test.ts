import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalArtifactStore, searchKey } from "../src/artifact-store";

let root: string;
let store: LocalArtifactStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "artifacts-"));
  store = new LocalArtifactStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

describe("local artifact store", () => {
  it("stores bytes atomically and describes them with size and sha256", async () => {
    const stored = await store.put(searchKey("s1", "out", "pareto.json"), "[1,2,3]");
    expect(stored).toMatchObject({ key: "searches/s1/out/pareto.json", size: 7, sha256: sha256("[1,2,3]") });
    expect(stored.uri).toBe(`file://${join(root, "searches", "s1", "out", "pareto.json")}`);
    expect(await readdir(join(root, "searches", "s1", "out"))).toEqual(["pareto.json"]);
    expect(await text(await store.open(stored.key))).toBe("[1,2,3]");
    expect(await store.stat(stored.key)).toEqual(stored);
  });

  it("refuses keys outside the store and names missing artifacts", async () => {
    await expect(store.put("../escape", "x")).rejects.toThrow('artifact key "../escape"');
    await expect(store.put("/etc/passwd", "x")).rejects.toThrow("not a relative path");
    await expect(store.open("searches/none/out/x")).rejects.toThrow('artifact "searches/none/out/x" not found');
    expect(await store.stat("searches/none/out/x")).toBeUndefined();
  });

  it("keeps a search's work directory across openings and publishes its outputs", async () => {
    const work = await store.workDir("s2");
    await writeFile(join(work, "checkpoint.bin"), "weights");
    expect(await store.workDir("s2")).toBe(work);
    expect(await readdir(work)).toEqual(["checkpoint.bin"]);

    const out = await store.outDir("s2");
    await writeFile(join(out, "stale.json"), "old");
    const fresh = await store.outDir("s2");
    expect(await readdir(fresh)).toEqual([]);
    await mkdir(join(fresh, "abc"));
    await writeFile(join(fresh, "abc", "arch.json"), "{}");
    await writeFile(join(fresh, "pareto.json"), "[]");
    const published = await store.publishOutputs("s2");
    expect(published.map((a) => [a.key, a.size, a.sha256])).toEqual([
      ["searches/s2/out/abc/arch.json", 2, sha256("{}")],
      ["searches/s2/out/pareto.json", 2, sha256("[]")],
    ]);
  });

  it("keeps the final phase's trained bundles from one run of a search to the next, and nothing else", async () => {
    const out = await store.outDir("s3");
    for (const dir of ["architectures/a1", "trained/a1", "baselines/uniform-largest"]) {
      await mkdir(join(out, dir), { recursive: true });
      await writeFile(join(out, dir, "metrics.json"), dir);
    }
    await writeFile(join(out, "pareto.json"), "[]");
    expect(await store.outDir("s3")).toBe(out);
    expect((await readdir(out)).sort()).toEqual(["baselines", "trained"]);
    expect((await store.publishOutputs("s3")).map((a) => a.key)).toEqual([
      "searches/s3/out/baselines/uniform-largest/metrics.json",
      "searches/s3/out/trained/a1/metrics.json",
    ]);
  });
});

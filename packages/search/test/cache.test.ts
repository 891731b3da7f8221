import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CACHE_FILE,
  type Evaluation,
  type EvaluationCache,
  evaluateOnce,
  FileEvaluationCache,
  MemoryEvaluationCache,
  TORN_FILE,
} from "../src";

const key = { archId: "0123456789abcdef", checkpoint: "ckpt-1", split: "val-fp-1" };
const result: Evaluation = { accuracy: 0.5, macs: 1000, params: 10 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "evaluations-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const kinds: [string, () => Promise<EvaluationCache>][] = [
  ["in memory", async () => new MemoryEvaluationCache()],
  ["file-backed", () => FileEvaluationCache.open(dir)],
];

describe.each(kinds)("evaluation cache %s", (_, open) => {
  it("misses, then hits the same architecture, checkpoint and split only", async () => {
    const cache = await open();
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, result);
    expect(await cache.get(key)).toEqual(result);
    expect(await cache.get({ ...key, checkpoint: "ckpt-2" })).toBeUndefined();
    expect(await cache.get({ ...key, split: "val-fp-2" })).toBeUndefined();
    expect(await cache.get({ ...key, archId: "fedcba9876543210" })).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it("evaluates an architecture once for the same weights and split", async () => {
    const cache = await open();
    let calls = 0;
    const evaluate = async () => {
      calls++;
      return { ...result, accuracy: 0.25 * calls };
    };
    const first = await evaluateOnce(cache, key, evaluate);
    const second = await evaluateOnce(cache, key, evaluate);
    expect(first).toEqual({ evaluation: { ...result, accuracy: 0.25 }, cached: false });
    expect(second).toEqual({ evaluation: { ...result, accuracy: 0.25 }, cached: true });
    await evaluateOnce(cache, { ...key, checkpoint: "ckpt-2" }, evaluate);
    expect(calls).toBe(2);
  });

  it("names a bad key or evaluation", async () => {
    const cache = await open();
    await expect(cache.get({ ...key, split: "" })).rejects.toThrow(/split must be a non-empty string/);
    await expect(cache.put(key, { ...result, accuracy: Number.NaN })).rejects.toThrow(/accuracy must be a finite/);
  });
});

describe("FileEvaluationCache", () => {
  it("keeps evaluations across reopening", async () => {
    const cache = await FileEvaluationCache.open(dir);
    await Promise.all([0, 1, 2].map((i) => cache.put({ ...key, archId: `a${i}` }, { ...result, macs: i })));
    const again = await FileEvaluationCache.open(dir);
    expect(again.size).toBe(3);
    expect(await again.get({ ...key, archId: "a2" })).toEqual({ ...result, macs: 2 });
  });

  it("sets a torn last line aside on opening and appends cleanly after it", async () => {
    const cache = await FileEvaluationCache.open(dir);
    await cache.put(key, result);
    const file = join(dir, CACHE_FILE);
    const torn = '{"archId":"bbbb","checkpoint":"ckpt-1","spl';
    await writeFile(file, (await readFile(file, "utf8")) + torn);

    const reopened = await FileEvaluationCache.open(dir);
    expect(reopened.recoveredTornBytes).toBe(torn.length);
    expect(reopened.size).toBe(1);
    expect(await readFile(join(dir, TORN_FILE), "utf8")).toBe(`${torn}\n`);
    await reopened.put({ ...key, archId: "cccc" }, result);

    const third = await FileEvaluationCache.open(dir);
    expect(third.recoveredTornBytes).toBe(0);
    expect(third.size).toBe(2);
    expect(await third.get({ ...key, archId: "cccc" })).toEqual(result);
  });

  it("refuses a log damaged before its last line, naming the line", async () => {
    await writeFile(join(dir, CACHE_FILE), `${JSON.stringify({ ...key, ...result })}\nnot json\n`);
    await expect(FileEvaluationCache.open(dir)).rejects.toThrow(/evaluations\.jsonl, line 2: not a valid evaluation/);
  });
});

// Train once, search many: a search reports the super-network it trained (space, data, recipe, checkpoint, the largest
// and smallest sub-networks' accuracy); a second search with another MACs budget searches on it without training
// (same checkpoint id, so the evaluation cache's keys hold), resumes without training either, and one on another
// space is refused naming supernet.from. "auto" takes it only for the same data.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countArch, spaceHash, supernetRecipeHash } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProgressEvent, runSearch, type SearchResult, type TrainedSupernet } from "../src/index";
import { pickReusable } from "../src/supernet-reuse";
import { tinyJob } from "./fixtures/tiny-job";

let root: string;
const job = tinyJob();
let first: SearchResult;
let trained: TrainedSupernet | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "pipeline-reuse-"));
  first = await runSearch(job, {
    workDir: join(root, "first"),
    backend: "wasm",
    onSupernet: (s) => {
      trained = s;
    },
  });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const events = (list: ProgressEvent[]) => (e: ProgressEvent) => list.push(e);

describe("a trained super-network", () => {
  it("is described when its training ends: identity, checkpoint, largest and smallest sub-networks", () => {
    expect(trained).toBeDefined();
    expect(trained!.checkpoint).toBe(first.supernetCheckpoint);
    expect(trained!.spaceHash).toBe(spaceHash(job.space));
    expect(trained!.recipeHash).toBe(supernetRecipeHash(job));
    expect(trained!.datasetFingerprint).toMatch(/\S/);
    expect(trained!.epochs).toBe(job.supernet.epochs);
    expect(trained!.largest.macs).toBeGreaterThan(trained!.smallest.macs);
    for (const s of [trained!.largest, trained!.smallest]) {
      expect(s.accuracy).toBeGreaterThanOrEqual(0);
      expect(s.accuracy).toBeLessThanOrEqual(1);
    }
  });

  it("is searched on by another search with another MACs budget, without training", async () => {
    const macs = [...first.front].sort((a, b) => a.macs - b.macs);
    const budget = macs[Math.floor(macs.length / 2)]!.macs;
    const second = tinyJob((doc) => {
      doc.search = { ...doc.search, constraints: { macs: { max: budget } } };
      doc.supernet = { ...doc.supernet, from: "first" };
    });
    const seen: ProgressEvent[] = [];
    let reported = false;
    const reuse = [{ id: "first", dir: join(root, "first", "supernet"), anyData: true }];
    const work = join(root, "second");
    const result = await runSearch(second, {
      workDir: work,
      backend: "wasm",
      reuse,
      onProgress: events(seen),
      onSupernet: () => {
        reported = true;
      },
    });
    expect(result.reusedSupernet).toBe("first");
    expect(result.supernetCheckpoint).toBe(first.supernetCheckpoint);
    // No training: no step reported with a loss, nothing written to its own supernet directory.
    expect(seen.some((e) => e.kind === "supernet-step")).toBe(false);
    expect(seen.find((e) => e.phase === "supernet")?.message).toMatch(/searching on super-network first.*without/);
    expect(existsSync(join(work, "supernet", "checkpoint.json"))).toBe(false);
    expect(reported).toBe(false);
    for (const point of result.front) expect(countArch(point.arch).macs).toBeLessThanOrEqual(budget);

    // Resumed (its evolution done, everything cached): still no training, nothing evaluated again.
    const again = await runSearch(second, { workDir: work, backend: "wasm", reuse });
    expect(again.evaluatedThisRun).toBe(0);
    expect(again.front.map((p) => p.id)).toEqual(result.front.map((p) => p.id));
  });

  it("is refused, naming supernet.from, to a search on another space", async () => {
    const other = tinyJob((doc) => {
      doc.space.stages[0]!.widths = [...doc.space.stages[0]!.widths, 1 + Math.max(...doc.space.stages[0]!.widths)];
    });
    await expect(
      runSearch(other, {
        workDir: join(root, "other-space"),
        backend: "wasm",
        reuse: [{ id: "first", dir: join(root, "first", "supernet"), anyData: true }],
      }),
    ).rejects.toThrow(/supernet\.from: super-network first was trained on another space/);
  });
});

describe("pickReusable", () => {
  const a = { id: "a", dir: "/a", datasetFingerprint: "fp-a" };
  const b = { id: "b", dir: "/b", datasetFingerprint: "fp-b" };
  it("takes the first trained on the same data, or any named explicitly, and never over a started training", () => {
    expect(pickReusable([a, b], "fp-b", false)).toBe(b);
    expect(pickReusable([a, b], "fp-c", false)).toBeUndefined();
    expect(pickReusable([{ ...a, anyData: true }], "fp-c", false)?.id).toBe("a");
    expect(pickReusable([a], "fp-a", true)).toBeUndefined();
    expect(pickReusable(undefined, "fp-a", false)).toBeUndefined();
  });
});

// Space shrinking through the whole search: the super-network scores its attention types after the given epoch,
// trains only the kept ones from then on, and the evolution proposes only those; the progress says what was kept.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CandidateRecord, type ProgressEvent, runSearch } from "../src/index";
import { tinyJob } from "./fixtures/tiny-job";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "pipeline-shrink-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const job = tinyJob((doc) => {
  doc.space.stages[0]!.attention = ["softmax", "xnorm", "fnet"];
  doc.supernet!.attentionShrink = { epoch: 1, keep: 1, archs: 2, images: 32 };
  doc.search!.population = 6;
});

describe("attentionShrink", { timeout: 300_000 }, () => {
  it("searches only the attention type the super-network kept", async () => {
    const events: ProgressEvent[] = [];
    const candidates: CandidateRecord[] = [];
    const work = join(root, "work");
    await runSearch(job, {
      workDir: work,
      outDir: join(root, "out"),
      backend: "cpu",
      onProgress: (e) => events.push(e),
      onCandidate: (c) => candidates.push(c),
    });
    const manifest = JSON.parse(readFileSync(join(work, "supernet", "checkpoint.json"), "utf8"));
    const scores: { type: { type: string }; accuracy: number; kept: boolean }[] = manifest.shrink.stages[0];
    expect(scores.map((t) => t.type.type)).toEqual(["softmax", "xnorm", "fnet"]);
    const kept = scores.filter((t) => t.kept).map((t) => t.type.type);
    expect(kept).toHaveLength(1);
    // keep 1: the most accurate type (ties to the first listed).
    const best = Math.max(...scores.map((t) => t.accuracy));
    expect(kept[0]).toBe(scores.find((t) => t.accuracy === best)!.type.type);
    expect(manifest.shrink.epoch).toBe(1);

    const messages = events.map((e) => e.message ?? "");
    expect(messages).toContain("scoring attention types after epoch 1");
    expect(messages.find((m) => m.startsWith("stage 1 keeps"))).toMatch(new RegExp(`^stage 1 keeps ${kept[0]} `));

    expect(candidates.length).toBeGreaterThan(6);
    for (const c of candidates)
      for (const block of c.arch.stages[0]!.blocks) expect(block.attention.type).toBe(kept[0]);
  });
});

// Space shrinking through the whole search: the super-network scores its attention types after the given epoch,
// trains only the kept ones from then on, and the evolution proposes only those; the progress says what was kept.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { archHash } from "@vitnas/formats";
import { largestSubnet, narrowSpace, smallestSubnet } from "@vitnas/supernet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CandidateRecord, type ProgressEvent, runSearch, type TrainedSupernet } from "../src/index";
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
    let trained: TrainedSupernet | undefined;
    const work = join(root, "work");
    await runSearch(job, {
      workDir: work,
      outDir: join(root, "out"),
      backend: "cpu",
      onProgress: (e) => events.push(e),
      onCandidate: (c) => candidates.push(c),
      onSupernet: (t) => {
        trained = t;
      },
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

    // The trained super-network is described by the extremes of what it trained: the kept type.
    const keptSpace = narrowSpace(job.space, [[manifest.sampler.attention[0][0]]]);
    expect(trained?.largest.id).toBe(archHash(largestSubnet(keptSpace)));
    expect(trained?.smallest.id).toBe(archHash(smallestSubnet(keptSpace)));

    const messages = events.map((e) => e.message ?? "");
    expect(messages).toContain("scoring attention types after epoch 1");
    expect(messages.find((m) => m.startsWith("stage 1 keeps"))).toMatch(new RegExp(`^stage 1 keeps ${kept[0]} `));

    // The report lists every scored type of the stage, the kept one marked.
    const report = readFileSync(join(root, "out", "report.md"), "utf8");
    const rows = report.split("\n").filter((l) => /^\| 1 \| \w+ \|/.test(l));
    expect(report).toContain("## Attention types kept");
    expect(rows.map((r) => r.split("|")[2]!.trim())).toEqual(["softmax", "xnorm", "fnet"]);
    expect(rows.filter((r) => r.endsWith("| yes |"))).toEqual([expect.stringContaining(`| ${kept[0]} |`)]);

    expect(candidates.length).toBeGreaterThan(6);
    for (const c of candidates)
      for (const block of c.arch.stages[0]!.blocks) expect(block.attention.type).toBe(kept[0]);

    // A search on this super-network (another search's reuse) searches the kept type too, and reports the decision.
    const reused: CandidateRecord[] = [];
    const second = tinyJob((doc) => {
      doc.space.stages[0]!.attention = ["softmax", "xnorm", "fnet"];
      doc.supernet!.attentionShrink = { epoch: 1, keep: 1, archs: 2, images: 32 };
      doc.supernet!.from = "first";
      doc.search!.population = 6;
      doc.seed = 9;
    });
    const result = await runSearch(second, {
      workDir: join(root, "second"),
      outDir: join(root, "second-out"),
      backend: "cpu",
      reuse: [{ id: "first", dir: join(work, "supernet"), anyData: true }],
      onCandidate: (c) => reused.push(c),
    });
    expect(result.reusedSupernet).toBe("first");
    expect(reused.length).toBeGreaterThan(6);
    for (const c of reused) for (const block of c.arch.stages[0]!.blocks) expect(block.attention.type).toBe(kept[0]);
    expect(readFileSync(join(root, "second-out", "report.md"), "utf8")).toContain("## Attention types kept");
  });
});

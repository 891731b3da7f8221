// Standalone training resumes exactly: an aborted run continued by the same call ends with the same weights as an
// uninterrupted one; a work directory of another architecture, or an output directory that is no bundle, is refused.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type NasSearchInput,
  spaceOfArch,
  type VitArch,
  type VitArchInput,
  validateArch,
  validateJob,
} from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mixedBlocksArch } from "../../../tests/fixtures/mixed-blocks";
import { isAbortError, type TrainAloneInput, type TrainProgress, trainAlone } from "../src/index";

const complete = (doc: VitArchInput): VitArch => {
  const result = validateArch(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
};

/** Two blocks of one stage that differ in heads, MLP width and attention. */
const arch = complete(mixedBlocksArch());
const other = complete({ ...arch, stages: [{ ...arch.stages[0]!, blocks: [arch.stages[0]!.blocks[0]!] }] });

function input(): TrainAloneInput {
  const doc = {
    format: "nas-search/v1",
    space: spaceOfArch(arch),
    dataset: { kind: "synthetic", train: 64, val: 32, test: 32, seed: 1 },
    supernet: { epochs: 2, batchSize: 16, checkpointEverySteps: 2, warmupEpochs: 0, candidateWarmupEpochs: 0 },
    seed: 7,
  } as NasSearchInput;
  const job = validateJob(doc);
  if (!job.ok) throw new Error(JSON.stringify(job.errors));
  return { dataset: job.value.dataset, recipe: job.value.supernet, seed: job.value.seed };
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "train-alone-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("trainAlone", () => {
  it("resumes an aborted training to the same weights and accuracies; refuses another arch's work dir", async () => {
    const events: TrainProgress[] = [];
    const straight = join(root, "straight");
    const full = await trainAlone(arch, input(), {
      outDir: straight,
      backend: "cpu",
      onProgress: (e) => events.push(e),
    });
    expect(full.params).toBeGreaterThan(0);
    expect(full.testAccuracy).toBeGreaterThanOrEqual(0);
    const epochs = events.filter((e) => e.type === "epoch");
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs.every((e) => e.valAccuracy! >= 0 && e.valAccuracy! <= 1 && Number.isFinite(e.loss))).toBe(true);
    expect(existsSync(join(straight, ".train"))).toBe(false);

    const resumed = join(root, "resumed");
    const controller = new AbortController();
    const aborted = trainAlone(arch, input(), {
      outDir: resumed,
      backend: "cpu",
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "step" && e.step === 3) controller.abort();
      },
    });
    await expect(aborted).rejects.toSatisfy(isAbortError);
    expect(existsSync(join(resumed, ".train", "checkpoint", "checkpoint.json"))).toBe(true);

    await expect(trainAlone(other, input(), { outDir: resumed, backend: "cpu" })).rejects.toThrow(
      /holds the training of another architecture/,
    );

    const starts: TrainProgress[] = [];
    const again = await trainAlone(arch, input(), {
      outDir: resumed,
      backend: "cpu",
      onProgress: (e) => e.type === "start" && starts.push(e),
    });
    expect(starts[0]?.resumedAtStep).toBe(3);
    expect(again.valAccuracy).toBe(full.valAccuracy);
    expect(again.testAccuracy).toBe(full.testAccuracy);
    expect(readFileSync(join(resumed, "weights.bin")).equals(readFileSync(join(straight, "weights.bin")))).toBe(true);
    expect(existsSync(join(resumed, ".train"))).toBe(false);

    const metrics = JSON.parse(readFileSync(join(resumed, "metrics.json"), "utf8"));
    expect(metrics).toMatchObject({ accuracy: full.valAccuracy, testAccuracy: full.testAccuracy });
    expect(metrics.training).toMatchObject({ kind: "standalone", epochs: 2, recipe: { archsPerStep: 1 } });
    expect(metrics.searchAccuracy).toBeUndefined();
  }, 60_000);

  it("never replaces a directory holding anything but a bundle", async () => {
    const outDir = join(root, "project");
    await mkdir(outDir);
    await writeFile(join(outDir, "notes.txt"), "mine");
    await expect(trainAlone(arch, input(), { outDir, backend: "cpu" })).rejects.toThrow(
      /not part of a bundle \(notes.txt\)/,
    );
    expect(readFileSync(join(outDir, "notes.txt"), "utf8")).toBe("mine");
  });
});

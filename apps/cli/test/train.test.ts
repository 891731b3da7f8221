// `nas train`: a heterogeneous architecture trained end to end (Ctrl-C and resume included) into a bundle that
// `nas eval` reproduces; bad flags and invalid architectures exit 2 naming the problem.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countArch, type VitArch, validateArch } from "@vitnas/formats";
import { afterAll, describe, expect, it } from "vitest";
import { mixedBlocksArch } from "../../../tests/fixtures/mixed-blocks";
import { root, runCli } from "./run-cli";

const scratch = mkdtempSync(join(tmpdir(), "nas-train-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const write = (name: string, doc: unknown) => {
  const file = join(scratch, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
};

// Stage 0: two blocks that differ in heads, MLP width and attention; stage 1 halves the 4x4 token grid.
const archDoc = mixedBlocksArch([
  {
    width: 24,
    headDim: 8,
    reduction: "residual",
    blocks: [{ heads: 3, mlpHidden: 24, attention: { type: "softmax" } }],
  },
]);
const archFile = write("arch.json", archDoc);
const dataset = write("dataset.json", {
  dataset: { kind: "synthetic", train: 64, val: 32, test: 32, seed: 2 },
  supernet: { warmupEpochs: 0, candidateWarmupEpochs: 0 },
  seed: 3,
});
const trainArgs = (out: string) => [
  "train",
  archFile,
  "--dataset",
  dataset,
  "--epochs",
  "2",
  "--batch-size",
  "16",
  "--out",
  out,
  "--backend",
  "cpu",
  "--json",
];

/** Runs `nas train` and sends SIGINT once the first epoch is reported. */
function interrupted(out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, "apps/cli/bin/nas.js"), ...trainArgs(out)], { cwd: root });
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (!sent && chunk.toString().includes('"type":"epoch"')) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("exit", (code) => done({ code, stderr }));
  });
}

describe("nas train", () => {
  it("trains a heterogeneous architecture, resumes after Ctrl-C, and writes a bundle nas eval agrees with", async () => {
    const out = join(scratch, "bundle");
    const stopped = await interrupted(out);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain("run the same command to resume");
    expect(existsSync(join(out, ".train", "checkpoint", "checkpoint.json"))).toBe(true);

    const run = await runCli(trainArgs(out));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/resuming at step [4-7] of 8/);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === "epoch").map((l) => l.epoch)).toEqual([2]);
    const result = lines.at(-1);
    const arch = validateArch(archDoc);
    const { macs, params } = countArch((arch.ok && arch.value) as VitArch);
    expect(result).toMatchObject({ macs, params, outDir: out });

    for (const f of ["arch.json", "weights.json", "weights.bin", "preprocessing.json", "metrics.json", "README.md"])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, ".train"))).toBe(false);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics).toMatchObject({ accuracy: result.valAccuracy, testAccuracy: result.testAccuracy, params, macs });
    expect(metrics.training).toMatchObject({ kind: "standalone", epochs: 2 });
    for (const a of [metrics.accuracy, metrics.testAccuracy]) {
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
    }

    const evaluated = await runCli(["eval", out, "--dataset", dataset, "--split", "test", "--backend", "cpu"]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toEqual({ accuracy: metrics.testAccuracy });
  }, 60_000);

  it("exits 2 naming a bad flag or the invalid path of an architecture", async () => {
    const epochs = await runCli([
      "train",
      archFile,
      "--dataset",
      dataset,
      "--epochs",
      "0",
      "--out",
      join(scratch, "x"),
    ]);
    expect(epochs.code).toBe(2);
    expect(epochs.stderr).toContain('--epochs: "0" is not a positive integer');

    const bad = structuredClone(archDoc) as { stages: { blocks: { heads: number }[] }[] };
    bad.stages[0]!.blocks[1]!.heads = 0;
    const invalid = await runCli(["train", write("bad.json", bad), "--dataset", dataset, "--out", join(scratch, "y")]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("invalid vit-arch/v1");
    expect(invalid.stderr).toContain("stages[0].blocks[1].heads");
  });
});

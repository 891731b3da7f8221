// `nas predict --runtime onnx`: the same classes and probabilities as the tfjs model, with the batch-1 latency
// (median and p90 of the timed runs, the thread count stated); bad options exit 2 with the reason.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { quantile } from "@vitnas/export";
import { spaceOfArch, validateArch } from "@vitnas/formats";
import { extract, initBackend, StandaloneModel, Supernet } from "@vitnas/supernet";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli";

const scratch = mkdtempSync(join(tmpdir(), "nas-predict-onnx-"));
const bundle = join(scratch, "bundle");
const image = join(scratch, "image.png");

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  const valid = validateArch({
    format: "vit-arch/v1",
    input: { imageSize: 8, channels: 3, classes: 3 },
    stem: { convs: [{ out: 8, kernel: 3, stride: 1, padding: 1 }], patch: { kernel: 2, stride: 2 } },
    stages: [{ width: 16, headDim: 8, blocks: [{ heads: 2, mlpHidden: 32, attention: { type: "softmax" } }] }],
  });
  if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
  const net = Supernet.create(spaceOfArch(valid.value), { seed: 3 });
  const extracted = extract(net, valid.value);
  net.dispose();
  // Moved off the initialisation (a zero head gives equal probabilities whatever runs the model).
  const tensors = new Map<string, tf.Tensor>();
  extracted.tensors.forEach((t, name) => {
    tensors.set(
      name,
      tf.tidy(() =>
        name.endsWith(".bn.var")
          ? tf.add(tf.abs(t), 0.5)
          : tf.add(t, tf.randomUniform(t.shape, -0.5, 0.5, "float32", tensors.size + 1)),
      ),
    );
  });
  const model = new StandaloneModel(valid.value, tensors, new Set(extracted.trainable));
  extracted.dispose();
  await model.save(bundle);
  model.dispose();
  const normalization = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
  const preprocessing = { format: "vitnas-preprocessing/v1", imageSize: 8, channels: 3, classNames: ["x", "y", "z"] };
  writeFileSync(join(bundle, "preprocessing.json"), JSON.stringify({ ...preprocessing, normalization }));
  const raw = Buffer.from(Array.from({ length: 12 * 10 * 3 }, (_, i) => (i * 53) % 256));
  await sharp(raw, { raw: { width: 12, height: 10, channels: 3 } })
    .png()
    .toFile(image);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Top = { class: string; probability: number }[];

describe("nas predict --runtime onnx", () => {
  it("gives the tfjs model's classes and probabilities with the batch-1 latency", async () => {
    const tfjs = await runCli(["predict", bundle, image, "--json", "--backend", "cpu"]);
    expect(tfjs.code, tfjs.stderr).toBe(0);
    const expected = JSON.parse(tfjs.stdout) as Top;
    const run = await runCli(["predict", bundle, image, "--json", "--runtime", "onnx", "--runs", "7"]);
    expect(run.code, run.stderr).toBe(0);
    const { top, latency } = JSON.parse(run.stdout) as { top: Top; latency: Record<string, number | string> };
    expect(top.map((t) => t.class)).toEqual(expected.map((t) => t.class));
    // Not all equal: the comparison below means something.
    expect(expected[0]!.probability - expected[2]!.probability).toBeGreaterThan(0.01);
    top.forEach((t, i) => {
      expect(Math.abs(t.probability - expected[i]!.probability)).toBeLessThan(1e-5);
    });
    expect(latency).toMatchObject({ runtime: "onnxruntime", threads: 1, batch: 1, warmup: 5, runs: 7 });
    expect(latency.medianMs).toBeGreaterThan(0);
    expect(latency.p90Ms).toBeGreaterThanOrEqual(latency.medianMs as number);

    const text = await runCli(["predict", bundle, image, "--runtime", "onnx", "--runs", "3", "--threads", "2"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/onnxruntime, batch 1, 2 thread\(s\): median [\d.]+ ms, p90 [\d.]+ ms over 3 runs\n$/);
  });

  it("refuses an unknown runtime or a run count that is not a positive integer", async () => {
    const runtime = await runCli(["predict", bundle, image, "--runtime", "tflite"]);
    expect(runtime.code).toBe(2);
    expect(runtime.stderr).toContain('--runtime: "tflite" is not one of tfjs, onnx');
    const runs = await runCli(["predict", bundle, image, "--runtime", "onnx", "--runs", "0"]);
    expect(runs.code).toBe(2);
    expect(runs.stderr).toContain('--runs: "0" is not a positive integer');
  });
});

describe("quantile", () => {
  it("averages the middle pair for an even median and takes the nearest rank otherwise", () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(ten, 0.5)).toBe(5.5);
    expect(quantile(ten, 0.9)).toBe(9);
    expect(quantile([1, 2, 3], 0.5)).toBe(2);
    expect(quantile([1, 2, 3], 0.9)).toBe(3);
    expect(quantile([4], 0.9)).toBe(4);
  });
});

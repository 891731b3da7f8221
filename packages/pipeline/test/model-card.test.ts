// The model card's ONNX section is runnable as written: its Node code, given a model exported from the bundle's
// weights, prints the tfjs model's logits for the same pixels; its Python preprocessing (numpy) builds the same
// input as the Node code. The card names both ways to get the file (CLI and API) and the bundle's own numbers.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { exportOnnx } from "@vitnas/export";
import { spaceOfArch, type VitArch, validateArch } from "@vitnas/formats";
import { extract, initBackend, StandaloneModel, Supernet } from "@vitnas/supernet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BundleMetrics, Preprocessing } from "../src/bundle-documents";
import { modelCard } from "../src/model-card";

const valid = validateArch({
  format: "vit-arch/v1",
  input: { imageSize: 8, channels: 3, classes: 4 },
  stem: {
    convs: [{ out: 8, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "relu" }],
    patch: { kernel: 2, stride: 2, padding: 0 },
  },
  position: "learned",
  classToken: true,
  stages: [
    { width: 16, headDim: 8, reduction: "none", blocks: [{ heads: 2, mlpHidden: 32, attention: { type: "softmax" } }] },
  ],
});
if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
const arch: VitArch = valid.value;
const preprocessing: Preprocessing = {
  format: "vitnas-preprocessing/v1",
  imageSize: 8,
  channels: 3,
  classNames: ["a", "b", "c", "d"],
  normalization: { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] },
};
const metrics = {
  id: "abc123",
  accuracy: 0.5,
  macs: 1000,
  params: 10,
  dataset: { kind: "synthetic", classes: 4, imageSize: 8 },
  split: { name: "val", count: 16, fingerprint: "f" },
  supernetCheckpoint: "ckpt",
  seed: 1,
  backend: "cpu",
  job: "demo",
} as unknown as BundleMetrics;
const repoRoot = resolve(import.meta.dirname, "../../..");
const scratch = mkdtempSync(join(tmpdir(), "model-card-"));
let model: StandaloneModel;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  const net = Supernet.create(spaceOfArch(arch), { seed: 2 });
  const extracted = extract(net, arch);
  net.dispose();
  // Moved off the initialisation (zero biases), so a wrong input layout or normalisation changes the logits.
  const tensors = new Map<string, tf.Tensor>();
  extracted.tensors.forEach((t, name) => {
    tensors.set(
      name,
      tf.tidy(() =>
        name.endsWith(".bn.var")
          ? tf.add(tf.abs(t), 0.5)
          : tf.add(t, tf.randomUniform(t.shape, -0.3, 0.3, "float32", tensors.size + 1)),
      ),
    );
  });
  model = new StandaloneModel(arch, tensors, new Set(extracted.trainable));
  extracted.dispose();
});
afterAll(() => {
  model?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** The body of the card's first code block in `lang`. */
function block(card: string, lang: string): string {
  const m = card.match(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``));
  if (!m) throw new Error(`no ${lang} block in the card`);
  return m[1]!;
}

// Pixels with structure in every channel (not constant), row by row, HWC.
const pixels = Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37 + (i % 3) * 91) % 256);

describe("model card, ONNX section", () => {
  const card = () => modelCard(arch, metrics, preprocessing);

  it("names the CLI and API ways to get the ONNX file and the bundle's normalisation", () => {
    const text = card();
    expect(text).toContain("nas export <this directory> --format onnx --out model.onnx");
    expect(text).toContain("/download?format=onnx");
    expect(text).toContain("float32 `[batch, 3, 8, 8]` (NCHW)");
    expect(text).toContain("mean [0.49, 0.48, 0.45]");
    expect(text).toContain("std\n[0.25, 0.24, 0.26]");
  });

  it("runs its Node code on the exported model and gets the tfjs logits", async () => {
    const onnx = join(scratch, "model.onnx");
    writeFileSync(onnx, exportOnnx(model, preprocessing).bytes);
    const code = `const pixels = ${JSON.stringify(pixels)};\n${block(card(), "js").replace('"model.onnx"', JSON.stringify(onnx))}`;
    // Run from the repository root, where onnxruntime-node is installed.
    const printed = execFileSync(process.execPath, ["--input-type=module", "-e", code], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    const actual = JSON.parse(printed.trim()) as number[];

    const { mean, std } = preprocessing.normalization;
    const normalised = pixels.map((v, i) => (v / 255 - mean[i % 3]!) / std[i % 3]!);
    const expected = await tf.tidy(() => model.predict(tf.tensor4d(normalised, [1, 8, 8, 3]))).data();
    const scale = Math.max(...Array.from(expected, Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    expect(actual).toHaveLength(4);
    const diff = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
    expect(diff / scale).toBeLessThan(1e-4);
  });

  it("builds in its Python code the same input as its Node code", () => {
    const python = block(card(), "python")
      .split("\n")
      .filter((line) => !line.startsWith("session") && !line.startsWith("logits"))
      .join("\n")
      .replace("import numpy as np, onnxruntime as ort", "import json, numpy as np");
    let printed: string;
    try {
      printed = execFileSync(
        "python3",
        [
          "-c",
          `pixels = __import__("numpy").array(${JSON.stringify(pixels)}, "uint8")\n${python}\nprint(json.dumps([list(x.shape), x.ravel().tolist()]))`,
        ],
        { encoding: "utf8" },
      );
    } catch (err) {
      // numpy is the one requirement; without it there is nothing to compare.
      if (/No module named 'numpy'/.test(String((err as { stderr?: string }).stderr))) return;
      throw err;
    }
    const [shape, values] = JSON.parse(printed) as [number[], number[]];
    expect(shape).toEqual([1, 3, 8, 8]);
    const { mean, std } = preprocessing.normalization;
    // NCHW: channel-major, then rows and columns.
    values.forEach((v, j) => {
      const ch = Math.floor(j / 64);
      const expected = (pixels[(j % 64) * 3 + ch]! / 255 - mean[ch]!) / std[ch]!;
      expect(Math.abs(v - expected)).toBeLessThan(1e-5);
    });
  });
});

// `nas export`: a saved model (bundle layout) to ONNX that ONNX Runtime runs with the model's logits, to safetensors
// from an arch.json and its weights, to the model's own tfjs weights (same bytes, same logits), and bad input
// refused with exit 2 and a reason.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { decodeSafetensors } from "@vitnas/export";
import { spaceOfArch, type VitArch, validateArch } from "@vitnas/formats";
import { extract, initBackend, StandaloneModel, Supernet } from "@vitnas/supernet";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli";

const scratch = mkdtempSync(join(tmpdir(), "nas-export-"));
const bundle = join(scratch, "bundle");
const normalization = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
let arch: VitArch;
let model: StandaloneModel;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  const valid = validateArch({
    format: "vit-arch/v1",
    input: { imageSize: 8, channels: 3, classes: 3 },
    stem: { convs: [{ out: 8, kernel: 3, stride: 1, padding: 1 }], patch: { kernel: 2, stride: 2 } },
    stages: [{ width: 16, headDim: 8, blocks: [{ heads: 2, mlpHidden: 32, attention: { type: "nystrom" } }] }],
  });
  if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
  arch = valid.value;
  const net = Supernet.create(spaceOfArch(arch), { seed: 3 });
  model = extract(net, arch);
  net.dispose();
  await model.save(bundle);
  const preprocessing = {
    format: "vitnas-preprocessing/v1",
    imageSize: 8,
    channels: 3,
    classNames: ["x", "y", "z"],
    normalization,
  };
  writeFileSync(join(bundle, "preprocessing.json"), JSON.stringify(preprocessing));
});
afterAll(() => {
  model?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe("nas export", () => {
  it("writes ONNX from a bundle directory that ONNX Runtime runs with the model's logits", async () => {
    const out = join(scratch, "onnx", "model.onnx");
    const run = await runCli(["export", bundle, "--format", "onnx", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    const line = JSON.parse(run.stdout);
    expect(line).toMatchObject({
      format: "onnx",
      out,
      layout: "NCHW",
      preprocessing: join(scratch, "onnx", "preprocessing.json"),
    });
    const bytes = readFileSync(out);
    expect(line.bytes).toBe(bytes.length);
    const preprocessing = JSON.parse(readFileSync(line.preprocessing, "utf8"));
    expect(preprocessing.pixels.normalization).toEqual(normalization);
    expect(preprocessing.classNames).toEqual(["x", "y", "z"]);
    const images = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const expected = await model.predict(images).data();
    const session = await ort.InferenceSession.create(bytes);
    const nchw = (await tf.transpose(images, [0, 3, 1, 2]).data()) as Float32Array;
    const { logits } = await session.run({ images: new ort.Tensor("float32", nchw, [2, 3, 8, 8]) });
    const actual = logits!.data as Float32Array;
    const scale = Math.max(...[...expected].map(Math.abs));
    expect(Math.max(...[...actual].map((v, i) => Math.abs(v - expected[i]!))) / scale).toBeLessThan(1e-4);
    await session.release();
  });

  it("copies the model's own tfjs weights with its preprocessing.json into a directory", async () => {
    const out = join(scratch, "tfjs");
    const run = await runCli(["export", bundle, "--format", "tfjs-weights", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    const line = JSON.parse(run.stdout);
    expect(line).toMatchObject({ format: "tfjs-weights", out, preprocessing: join(out, "preprocessing.json") });
    const bin = readFileSync(join(out, "weights.bin"));
    expect(bin.equals(readFileSync(join(bundle, "weights.bin")))).toBe(true);
    expect(line.bytes).toBe(bin.length);
    expect(line.sha256).toBe(createHash("sha256").update(bin).digest("hex"));
    expect(JSON.parse(readFileSync(join(out, "preprocessing.json"), "utf8")).normalization).toEqual(normalization);
    const copy = await StandaloneModel.load(out);
    const images = tf.randomNormal([1, 8, 8, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    expect(Array.from(await copy.predict(images).data())).toEqual(Array.from(await model.predict(images).data()));
    copy.dispose();

    // A file where the directory should be is refused with the reason.
    const blocked = join(scratch, "blocked");
    writeFileSync(blocked, "x");
    const refused = await runCli(["export", bundle, "--format", "tfjs-weights", "--out", blocked]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`cannot write ${blocked}`);
  });

  it("writes safetensors from an arch.json with the weights beside it", async () => {
    const out = join(scratch, "st", "model.safetensors");
    const run = await runCli(["export", join(bundle, "arch.json"), "--format", "safetensors", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    const file = decodeSafetensors(readFileSync(out));
    expect(file.tensors.map((t) => t.name).sort()).toEqual([...model.tensors.keys()].sort());
    expect(JSON.parse(file.metadata["vitnas.arch"]!)).toEqual(arch);
  });

  it("refuses bad input with exit 2 and the reason", async () => {
    const out = join(scratch, "bad", "model.onnx");
    const format = await runCli(["export", bundle, "--format", "tflite", "--out", out]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format: "tflite" is not one of onnx, safetensors');
    const other = join(scratch, "other-arch.json");
    writeFileSync(other, JSON.stringify({ ...arch, input: { ...arch.input, classes: 4 } }));
    const mismatch = await runCli([
      "export",
      other,
      "--weights",
      join(bundle, "weights.json"),
      "--preprocessing",
      join(bundle, "preprocessing.json"),
      "--format",
      "onnx",
      "--out",
      out,
    ]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain("is not the architecture of the weights");
    const noPre = await runCli([
      "export",
      join(bundle, "arch.json"),
      "--preprocessing",
      join(scratch, "none.json"),
      "--format",
      "onnx",
      "--out",
      out,
    ]);
    expect(noPre.code).toBe(2);
    expect(noPre.stderr).toContain("pass --preprocessing");
    expect(() => readFileSync(out)).toThrow();
  });
});

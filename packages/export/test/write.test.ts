// Writing an export: the model file and preprocessing.json beside it, each renamed into place whole; a model that
// cannot be exported leaves the previous files as they were and no temporary file.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend, type StandaloneModel } from "@vitnas/supernet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors, EXPORT_PREPROCESSING_FORMAT, writeExport, writeFileAtomic } from "../src";
import { randomModel, testArch } from "./models";
import { ortSession } from "./ort";

const TRAINING = {
  normalization: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
  classNames: ["a", "b", "c", "d", "e"],
};
const scratch = mkdtempSync(join(tmpdir(), "export-write-"));
let model: StandaloneModel;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  model = randomModel(testArch({ reduction: "residual", attention: { type: "performer", features: 8 } }), 6);
});
afterAll(() => {
  model.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe("writeExport", () => {
  it("writes an ONNX model that ONNX Runtime loads, and preprocessing.json beside it", async () => {
    const out = join(scratch, "deep", "er", "model.onnx");
    const written = await writeExport(model, TRAINING, out, { format: "onnx" });
    expect(written.bytes).toBe(readFileSync(out).length);
    const session = await ortSession(readFileSync(out));
    expect(session.inputNames).toEqual(["images"]);
    expect(session.outputNames).toEqual(["logits"]);
    await session.release();
    const preprocessing = JSON.parse(readFileSync(join(scratch, "deep", "er", "preprocessing.json"), "utf8"));
    expect(preprocessing).toMatchObject({
      format: EXPORT_PREPROCESSING_FORMAT,
      model: { file: "model.onnx", format: "onnx" },
      input: { layout: "NCHW", shape: ["batch", 3, 8, 8] },
      pixels: { normalization: TRAINING.normalization },
      classNames: TRAINING.classNames,
    });
    expect(readdirSync(join(scratch, "deep", "er")).sort()).toEqual(["model.onnx", "preprocessing.json"]);
  });

  it("writes safetensors whose tensors are the model's", async () => {
    const out = join(scratch, "st", "model.safetensors");
    await writeExport(model, TRAINING, out, { format: "safetensors" });
    const file = decodeSafetensors(readFileSync(out));
    expect(file.tensors.length).toBe(model.tensors.size);
    const preprocessing = JSON.parse(readFileSync(join(scratch, "st", "preprocessing.json"), "utf8"));
    expect(preprocessing.model).toEqual({ file: "model.safetensors", format: "safetensors" });
  });

  it("leaves the previous files whole when the export fails, with no temporary file", async () => {
    const dir = join(scratch, "keep");
    const out = join(dir, "model.onnx");
    await writeExport(model, TRAINING, out, { format: "onnx" });
    const before = readFileSync(out);
    const broken = {
      ...model,
      arch: model.arch,
      tensors: new Map([...model.tensors, ["extra", model.tensors.get("cls")!]]),
    };
    await expect(writeExport(broken as StandaloneModel, TRAINING, out, { format: "onnx" })).rejects.toThrow(/extra/);
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["model.onnx", "preprocessing.json"]);
  });
});

describe("writeFileAtomic", () => {
  it("replaces a file whole and removes its temporary file when the write fails", async () => {
    const path = join(scratch, "atomic.bin");
    writeFileSync(path, "old");
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    // A directory in the way: the rename fails after the data was written; the temporary file goes.
    const blocked = join(scratch, "blocked");
    mkdirSync(join(blocked, "inside"), { recursive: true });
    await expect(writeFileAtomic(blocked, "data")).rejects.toThrow();
    expect(readdirSync(scratch).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(join(blocked, "inside"))).toBe(true);
  });
});

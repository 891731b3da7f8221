// safetensors: the byte layout of the format (8-byte little-endian header length, JSON header padded to 8 bytes,
// contiguous little-endian data), a model's round trip with its architecture in __metadata__, damaged files refused,
// and Python's reference reader where it is installed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend, StandaloneModel } from "@vitnas/supernet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, exportSafetensors } from "../src";
import { ATTENTION, randomImages, randomModel, testArch } from "./models";

const NORMALIZATION = { normalization: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } };
const scratch = mkdtempSync(join(tmpdir(), "export-safetensors-"));

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the format", () => {
  it("lays out the header and the data as the specification says", () => {
    const a = { name: "b.weight", shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const b = { name: "a.bias", shape: [2], values: Float32Array.from([-1.5, 2 ** -20]) };
    const scalar = { name: "c", shape: [], values: Float32Array.from([7]) };
    const bytes = encodeSafetensors([a, b, scalar], { note: "é" });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.startsWith("{")).toBe(true);
    expect(text.trimEnd().length).toBeGreaterThan(n - 8); // at most 7 spaces of padding
    const header = JSON.parse(text);
    expect(header).toEqual({
      __metadata__: { note: "é" },
      "a.bias": { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      "b.weight": { dtype: "F32", shape: [2, 3], data_offsets: [8, 32] },
      c: { dtype: "F32", shape: [], data_offsets: [32, 36] },
    });
    expect(bytes.length).toBe(8 + n + 36);
    // Little-endian float32, in the header's order.
    expect(view.getFloat32(8 + n, true)).toBe(-1.5);
    expect(view.getFloat32(8 + n + 4, true)).toBe(2 ** -20);
    expect(view.getFloat32(8 + n + 8 + 5 * 4, true)).toBe(6);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ note: "é" });
    expect(back.tensors.map((t) => [t.name, t.shape, [...t.values]])).toEqual([
      ["a.bias", [2], [-1.5, 2 ** -20]],
      ["b.weight", [2, 3], [1, 2, 3, 4, 5, 6]],
      ["c", [], [7]],
    ]);
  });

  it("refuses damaged files and impossible tensors", () => {
    const good = encodeSafetensors([{ name: "w", shape: [4], values: new Float32Array(4) }]);
    expect(() => decodeSafetensors(good.subarray(0, good.length - 1))).toThrow(/cover|past the data/);
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expect(() => decodeSafetensors(longer)).toThrow(/cover 16 of the data's 20 bytes/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(huge)).toThrow(/header length/);
    expect(() => decodeSafetensors(new Uint8Array(4))).toThrow(/shorter than/);
    expect(() => encodeSafetensors([{ name: "w", shape: [3], values: new Float32Array(4) }])).toThrow(/holds 3/);
    const twice = { name: "w", shape: [1], values: new Float32Array(1) };
    expect(() => encodeSafetensors([twice, twice])).toThrow(/two tensors/);
  });
});

describe("a model", () => {
  it.each(["residual", "none"] as const)(
    "round-trips every tensor of a model (reduction %s) with its architecture and preprocessing",
    async (reduction) => {
      const arch = testArch({ reduction, attention: ATTENTION });
      const model = randomModel(arch, 4);
      try {
        const { bytes, preprocessing } = exportSafetensors(model, NORMALIZATION);
        const file = decodeSafetensors(bytes);
        expect(file.tensors.map((t) => t.name).sort()).toEqual([...model.tensors.keys()].sort());
        for (const t of file.tensors) {
          const original = model.tensors.get(t.name)!;
          expect(t.shape).toEqual(original.shape);
          expect(Buffer.from(t.values.buffer).equals(Buffer.from((await original.data()).buffer))).toBe(true);
        }
        expect(JSON.parse(file.metadata["vitnas.arch"]!)).toEqual(arch);
        expect(JSON.parse(file.metadata["vitnas.preprocessing"]!)).toEqual(preprocessing);
        const trainable = JSON.parse(file.metadata["vitnas.trainable"]!) as string[];
        expect(new Set(trainable)).toEqual(model.trainable);
        // The file alone rebuilds the model: the same logits.
        const rebuilt = new StandaloneModel(
          JSON.parse(file.metadata["vitnas.arch"]!),
          new Map(file.tensors.map((t) => [t.name, tf.tensor(t.values, t.shape)])),
          new Set(trainable),
        );
        const { nhwc, nchw } = randomImages(2, arch, 9);
        const [a, b] = [model.predict(nhwc), rebuilt.predict(nhwc)];
        expect(Buffer.from((await a.data()).buffer).equals(Buffer.from((await b.data()).buffer))).toBe(true);
        tf.dispose([nhwc, nchw, a, b]);
        rebuilt.dispose();
        writeFileSync(join(scratch, `${reduction}.safetensors`), bytes);
      } finally {
        model.dispose();
      }
    },
  );

  it("reads back in Python's safetensors where it is installed", (ctx) => {
    const python = "/usr/bin/python3";
    let available = false;
    try {
      execFileSync(python, ["-c", "import safetensors.numpy"], { stdio: "pipe" });
      available = true;
    } catch {}
    if (!available) ctx.skip(`skipped: ${python} cannot import safetensors (not packaged by this Debian)`);
    const arch = testArch({ reduction: "residual", attention: { type: "softmax" } });
    const model = randomModel(arch, 5);
    const path = join(scratch, "python.safetensors");
    writeFileSync(path, exportSafetensors(model, NORMALIZATION).bytes);
    const script = [
      "import sys, json",
      "from safetensors.numpy import load_file",
      "from safetensors import safe_open",
      "t = load_file(sys.argv[1])",
      "meta = safe_open(sys.argv[1], 'np').metadata()",
      "print(json.dumps({'sums': {k: float(v.astype('float64').sum()) for k, v in t.items()}, 'arch': meta['vitnas.arch']}))",
    ].join("\n");
    const out = JSON.parse(execFileSync(python, ["-c", script, path], { stdio: "pipe" }).toString());
    for (const [name, t] of model.tensors) {
      const sum = [...(t.dataSync() as Float32Array)].reduce((s, v) => s + v, 0);
      expect(out.sums[name]).toBeCloseTo(sum, 4);
    }
    expect(JSON.parse(out.arch)).toEqual(arch);
    model.dispose();
  });
});

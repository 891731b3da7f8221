// The ONNX export runs in ONNX Runtime and gives the tfjs model's logits, within 1e-4 of the logits' scale, for every
// attention type, both reductions, learned and rotary positions, class token and mean pooling, both stems, both
// input layouts, batch norm folded and as a node, at batch 1 and 3. Each exported file also passes ONNX's own
// checker (python3's onnx, full check) where it is installed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { VitArch } from "@vitnas/formats";
import { initBackend } from "@vitnas/supernet";
import onnxProto from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportOnnx } from "../src";
import { ATTENTION, randomImages, randomModel, testArch } from "./models";
import { ortLogits, ortSession, relativeDifference } from "./ort";

const TOLERANCE = 1e-4;
const NORMALIZATION = { normalization: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } };
const scratch = mkdtempSync(join(tmpdir(), "export-onnx-"));
/** Every exported file, for the checker. */
const exported: string[] = [];

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const VARIANTS = [
  { reduction: "residual", layout: "NCHW", batchNorm: "fold" },
  { reduction: "none", layout: "NHWC", batchNorm: "node" },
] as const;

describe.each(ATTENTION.map((spec) => [spec.type, spec] as const))("%s", (type, spec) => {
  it.each(VARIANTS)(
    "reduction $reduction, $layout input, batch norm $batchNorm: ONNX Runtime equals tfjs at batch 1 and 3",
    async ({ reduction, layout, batchNorm }) => {
      const arch = testArch({ reduction, attention: spec });
      const model = randomModel(arch, 7);
      try {
        const { bytes, operators } = exportOnnx(model, NORMALIZATION, { layout, batchNorm });
        expect(operators).toContain(batchNorm === "node" ? "BatchNormalization" : "Conv");
        if (batchNorm === "fold") expect(operators).not.toContain("BatchNormalization");
        const file = join(scratch, `${type}-${reduction}.onnx`);
        writeFileSync(file, bytes);
        exported.push(file);
        const session = await ortSession(bytes);
        for (const batch of [1, 3]) {
          const { nhwc, nchw } = randomImages(batch, arch, batch);
          const expected = tf.tidy(() => model.predict(nhwc));
          const actual = await ortLogits(session, layout === "NCHW" ? nchw : nhwc);
          const { relative, scale } = relativeDifference(actual, await expected.data());
          tf.dispose([nhwc, nchw, expected]);
          expect(actual.length).toBe(batch * arch.input.classes);
          expect(scale, "logits too small for a meaningful comparison").toBeGreaterThan(0.1);
          expect(relative, `batch ${batch}`).toBeLessThan(TOLERANCE);
        }
        await session.release();
      } finally {
        model.dispose();
      }
    },
  );
});

describe("architectures", () => {
  // The per-type cases pair learned positions with a class token and rotary ones with mean pooling; these swap them.
  const MIXED = [
    { reduction: "residual", position: "rope", classToken: true },
    { reduction: "none", position: "learned", classToken: false },
  ] as const;
  it.each(MIXED)(
    "every attention type in one model (reduction $reduction, $position positions, class token $classToken): ONNX Runtime equals tfjs at batch 2",
    async (options) => {
      const arch = testArch({ ...options, attention: ATTENTION });
      expect(new Set(arch.stages.flatMap((s) => s.blocks.map((b) => b.attention.type))).size).toBe(ATTENTION.length);
      expect(await compare(arch, `mixed-${options.reduction}`, 2)).toBeLessThan(TOLERANCE);
    },
  );

  it("a stem without convs, a padded patch conv and no positions: ONNX Runtime equals tfjs at batch 2", async () => {
    const stem = { convs: [], patch: { kernel: 3, stride: 2, padding: 1 } };
    const arch = testArch({ reduction: "residual", attention: { type: "softmax" }, stem, position: "none" });
    expect(await compare(arch, "bare-stem", 2)).toBeLessThan(TOLERANCE);
  });
});

/** Exports a random model of `arch` (NCHW, batch norm folded), runs it at `batch`: the relative difference. */
async function compare(arch: VitArch, name: string, batch: number): Promise<number> {
  const model = randomModel(arch, 3);
  try {
    const { bytes } = exportOnnx(model, NORMALIZATION);
    const file = join(scratch, `${name}.onnx`);
    writeFileSync(file, bytes);
    exported.push(file);
    const session = await ortSession(bytes);
    const { nhwc, nchw } = randomImages(batch, arch, 5);
    const expected = tf.tidy(() => model.predict(nhwc));
    const { relative, scale } = relativeDifference(await ortLogits(session, nchw), await expected.data());
    tf.dispose([nhwc, nchw, expected]);
    await session.release();
    expect(scale, "logits too small for a meaningful comparison").toBeGreaterThan(0.1);
    return relative;
  } finally {
    model.dispose();
  }
}

describe("the file", () => {
  it("states the layout, the normalisation, the class names and the architecture in metadata_props", () => {
    const arch = testArch({ reduction: "residual", attention: { type: "softmax" } });
    const model = randomModel(arch, 1);
    const classNames = ["a", "b", "c", "d", "e"];
    const { bytes, preprocessing } = exportOnnx(model, { ...NORMALIZATION, classNames }, { layout: "NHWC" });
    model.dispose();
    const decoded = onnxProto.onnx.ModelProto.decode(bytes);
    const meta = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(meta["vitnas.input_layout"]).toBe("NHWC");
    expect(JSON.parse(meta["vitnas.normalization"]!)).toEqual(NORMALIZATION.normalization);
    expect(JSON.parse(meta["vitnas.class_names"]!)).toEqual(classNames);
    expect(JSON.parse(meta["vitnas.arch"]!)).toEqual(arch);
    expect(JSON.parse(meta["vitnas.preprocessing"]!)).toEqual(preprocessing);
    expect(preprocessing.input).toMatchObject({ name: "images", layout: "NHWC", shape: ["batch", 8, 8, 3] });
    expect(Number(decoded.opsetImport[0]!.version)).toBeGreaterThanOrEqual(17);
    const input = decoded.graph?.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
    expect(input.map((d) => d.dimParam || Number(d.dimValue))).toEqual(["batch", 8, 8, 3]);
  });

  it("finds a block's weights under a per-type name, and refuses a model with a weight it does not know", () => {
    const arch = testArch({ reduction: "residual", attention: { type: "softmax" } });
    const model = randomModel(arch, 2);
    try {
      const plain = exportOnnx(model, NORMALIZATION).bytes;
      const renamed = new Map(
        [...model.tensors].map(([name, t]) => [name.replace(/^(s\d+\.b\d+)\.(qkv|proj)\./, "$1.softmax.$2."), t]),
      );
      expect([...renamed.keys()]).toContain("s0.b0.softmax.qkv.w");
      const typed = exportOnnx({ ...model, arch, tensors: renamed } as typeof model, NORMALIZATION).bytes;
      expect(Buffer.from(typed).equals(Buffer.from(plain))).toBe(true);
      const extra = new Map([...model.tensors, ["s0.b0.softmax.gate", model.tensors.get("cls")!]]);
      expect(() => exportOnnx({ ...model, arch, tensors: extra } as typeof model, NORMALIZATION)).toThrow(
        /does not use the model's weights s0\.b0\.softmax\.gate/,
      );
    } finally {
      model.dispose();
    }
  });

  it("refuses a normalisation that does not fit the model", () => {
    const arch = testArch({ reduction: "residual", attention: { type: "softmax" } });
    const model = randomModel(arch, 2);
    expect(() => exportOnnx(model, { normalization: { mean: [0], std: [1] } })).toThrow(/takes 3 channels/);
    model.dispose();
  });
});

describe("ONNX's checker", () => {
  const python = "/usr/bin/python3";
  let onnxVersion: string | undefined;
  try {
    onnxVersion = execFileSync(python, ["-c", "import onnx; print(onnx.__version__)"], { stdio: "pipe" })
      .toString()
      .trim();
  } catch {
    onnxVersion = undefined;
  }
  it("passes onnx.checker.check_model(full_check=True) for every exported file", (ctx) => {
    if (!onnxVersion) ctx.skip(`skipped: ${python} cannot import onnx (Debian's python3-onnx)`);
    expect(exported.length).toBe(ATTENTION.length * VARIANTS.length + 3);
    const script = [
      "import sys, onnx",
      "for path in sys.argv[1:]:",
      "    onnx.checker.check_model(onnx.load(path), full_check=True)",
      "print(len(sys.argv) - 1)",
    ].join("\n");
    const checked = execFileSync(python, ["-c", script, ...exported], { stdio: "pipe" })
      .toString()
      .trim();
    expect(Number(checked)).toBe(exported.length);
  });
});

// ONNX Runtime (CPU, onnxruntime-node) against the tfjs model it was exported from, side by side in one run: for a
// few architectures, the median latency of one forward pass at batch 1 and 8, tfjs and ONNX Runtime interleaved
// round by round so both see the same load. Both run on one thread (tfjs's wasm backend is single-threaded here;
// ONNX Runtime gets intraOpNumThreads 1), so the ratio compares the runtimes, not the core count. Also the time to
// export a DeiT-Tiny-sized model (packages/formats/test/fixtures/deit-tiny.json) and its file's size over
// 4 bytes per parameter (target: under 5 s; test/deit-tiny.test.ts holds the size within 1%).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { type AttentionSpec, countArch, spaceOfArch, type VitArch, validateArch } from "@vitnas/formats";
import { extract, initBackend, type StandaloneModel, Supernet } from "@vitnas/supernet";
import * as ort from "onnxruntime-node";
import type { BenchSection } from "../../../bench/run";
import { exportOnnx } from "../src";

const ROUNDS = Number(process.env.EXPORT_BENCH_ROUNDS ?? 15);

/** 32 px images, patch 4 (64 patches + the class token), width 64, 4 blocks of 4 heads of 16, MLP 256. */
function arch(attention: AttentionSpec, reduction = false): VitArch {
  const blocks = (n: number, heads: number, mlpHidden: number) =>
    Array.from({ length: n }, () => ({ heads, mlpHidden, attention }));
  const valid = validateArch({
    format: "vit-arch/v1",
    input: { imageSize: 32, channels: 3, classes: 10 },
    stem: {
      convs: [{ out: 16, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "relu" }],
      patch: { kernel: 4, stride: 4 },
    },
    stages: reduction
      ? [
          { width: 64, headDim: 16, blocks: blocks(2, 4, 256) },
          { width: 128, headDim: 16, reduction: "residual", blocks: blocks(2, 8, 512) },
        ]
      : [{ width: 64, headDim: 16, blocks: blocks(4, 4, 256) }],
  });
  if (!valid.ok) throw new Error(`bench architecture is invalid: ${JSON.stringify(valid.errors)}`);
  return valid.value;
}

const CASES: { name: string; arch: VitArch }[] = [
  { name: "softmax", arch: arch({ type: "softmax" }) },
  { name: "performer", arch: arch({ type: "performer", features: 32 }) },
  { name: "nystrom", arch: arch({ type: "nystrom", landmarks: 16, iterations: 6, convKernel: 3 }) },
  { name: "softmax + residual reduction", arch: arch({ type: "softmax" }, true) },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/**
 * One forward pass at `batch` in tfjs and in ONNX Runtime (`session`, NCHW input), timed in turns: 5 untimed turns,
 * then `rounds` timed ones, so both see the same load. The times are in ms, in the order measured.
 */
export async function sideBySide(
  model: StandaloneModel,
  session: ort.InferenceSession,
  batch: number,
  rounds: number,
): Promise<{ tfMs: number[]; ortMs: number[] }> {
  const { imageSize: s, channels: c } = model.arch.input;
  const nhwc = tf.randomNormal([batch, s, s, c], 0, 1, "float32", 2) as tf.Tensor4D;
  const nchw = new ort.Tensor("float32", (await tf.transpose(nhwc, [0, 3, 1, 2]).data()) as Float32Array, [
    batch,
    c,
    s,
    s,
  ]);
  const runTf = async () => {
    const t0 = performance.now();
    const y = model.predict(nhwc);
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  const runOrt = async () => {
    const t0 = performance.now();
    await session.run({ images: nchw });
    return performance.now() - t0;
  };
  for (let i = 0; i < 5; i++) {
    await runTf();
    await runOrt();
  }
  const tfMs: number[] = [];
  const ortMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    tfMs.push(await runTf());
    ortMs.push(await runOrt());
  }
  nhwc.dispose();
  return { tfMs, ortMs };
}

/** Export time of the DeiT-Tiny-sized fixture: the median of 3 exports, with the file's size. */
function deitTinyExport(figures: BenchSection["figures"]) {
  const valid = validateArch(
    JSON.parse(readFileSync(join(import.meta.dirname, "../../formats/test/fixtures/deit-tiny.json"), "utf8")),
  );
  if (!valid.ok) throw new Error(`deit-tiny.json is invalid: ${JSON.stringify(valid.errors)}`);
  const net = Supernet.create(spaceOfArch(valid.value), { seed: 1 });
  const model = extract(net, valid.value);
  net.dispose();
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    size = exportOnnx(model, { normalization: { mean: [0, 0, 0], std: [1, 1, 1] } }).bytes.length;
    times.push(performance.now() - t0);
  }
  model.dispose();
  const params = countArch(valid.value).params;
  figures["DeiT-Tiny (5.7 M parameters) export to ONNX (s, median of 3; target < 5)"] = round(median(times) / 1000);
  figures["DeiT-Tiny ONNX file (bytes)"] = size;
  figures["DeiT-Tiny ONNX file over 4 bytes x parameters (%)"] = round((100 * (size - 4 * params)) / (4 * params), 3);
}

export async function bench(): Promise<BenchSection> {
  const backend = await initBackend({ log: null });
  const figures: BenchSection["figures"] = {
    "tfjs backend": backend.name,
    "onnxruntime-node": ort.env.versions.common ?? "",
  };
  deitTinyExport(figures);
  for (const { name, arch: a } of CASES) {
    const net = Supernet.create(spaceOfArch(a), { seed: 1 });
    const model = extract(net, a);
    net.dispose();
    const { bytes } = exportOnnx(model, { normalization: { mean: [0, 0, 0], std: [1, 1, 1] } });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    for (const batch of [1, 8]) {
      const { tfMs, ortMs } = await sideBySide(model, session, batch, ROUNDS);
      const key = `${name} (${round(countArch(a).macs / 1e6, 1)} MMACs), batch ${batch}`;
      figures[`${key}: tfjs (ms)`] = round(median(tfMs));
      figures[`${key}: ONNX Runtime (ms)`] = round(median(ortMs));
      figures[`${key}: ONNX Runtime / tfjs latency`] = round(median(ortMs) / median(tfMs), 3);
    }
    await session.release();
    model.dispose();
  }
  return { name: "export", figures };
}

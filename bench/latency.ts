// `npm run bench -- --only latency`: the demo front's batch-1 latency in ONNX Runtime (CPU, one intra-op thread)
// against the tfjs forward pass on `wasm` (one thread), side by side in one run, round by round so both see the
// same load. The architectures are those of `out/demo/pareto.json` (`npm run demo`; LATENCY_FRONT names another
// pareto.json); without one, the demo space's uniform smallest, median and largest architectures stand in.
// Latency depends on the architecture, not on the weights, so each model is built from fresh weights.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { exportOnnx, quantile } from "@vitnas/export";
import { countArch, spaceOfArch, uniformArch, type VitArch, validateArch, validateJob } from "@vitnas/formats";
import { extract, initBackend, Supernet } from "@vitnas/supernet";
import * as ort from "onnxruntime-node";
import type { BenchSection } from "./run";

const ROOT = resolve(import.meta.dirname, "..");
const ROUNDS = Number(process.env.LATENCY_BENCH_ROUNDS ?? 50);
const WARMUP = 5;

/** The demo front's architectures with a label each, and where they came from. */
function demoFront(): { source: string; archs: { label: string; arch: VitArch }[] } {
  const file = resolve(process.env.LATENCY_FRONT ?? join(ROOT, "out/demo/pareto.json"));
  if (existsSync(file)) {
    const entries = JSON.parse(readFileSync(file, "utf8")) as { id: string; arch: unknown }[];
    const archs = entries.map(({ id, arch }) => {
      const valid = validateArch(arch);
      if (!valid.ok) throw new Error(`${file}: ${id}'s architecture is invalid: ${JSON.stringify(valid.errors)}`);
      return { label: id.slice(0, 10), arch: valid.value };
    });
    return { source: `${file} (${archs.length} front architectures)`, archs };
  }
  const job = validateJob(JSON.parse(readFileSync(join(ROOT, "examples/demo.json"), "utf8")));
  if (!job.ok) throw new Error(`examples/demo.json is invalid: ${JSON.stringify(job.errors)}`);
  const picks = ["smallest", "median", "largest"] as const;
  return {
    source: "examples/demo.json's space, uniform smallest / median / largest (no out/demo/pareto.json: npm run demo)",
    archs: picks.map((pick) => ({ label: `uniform ${pick}`, arch: uniformArch(job.value.space, pick) })),
  };
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

export async function bench(): Promise<BenchSection> {
  const backend = await initBackend({ force: "wasm", log: null });
  const { source, archs } = demoFront();
  const figures: BenchSection["figures"] = {
    architectures: source,
    "tfjs backend": backend.name,
    "onnxruntime-node": ort.env.versions.common ?? "",
    "threads (both)": 1,
    "timed runs (each, interleaved, after 5 warm-up)": ROUNDS,
  };
  for (const { label, arch } of archs) {
    const net = Supernet.create(spaceOfArch(arch), { seed: 1 });
    const model = extract(net, arch);
    net.dispose();
    const { imageSize: s, channels: c } = arch.input;
    const { bytes } = exportOnnx(model, { normalization: { mean: Array(c).fill(0), std: Array(c).fill(1) } });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const nhwc = tf.randomNormal([1, s, s, c], 0, 1, "float32", 2) as tf.Tensor4D;
    const nchw = new ort.Tensor("float32", (await tf.transpose(nhwc, [0, 3, 1, 2]).data()) as Float32Array, [
      1,
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
    for (let i = 0; i < WARMUP; i++) {
      await runTf();
      await runOrt();
    }
    const tfMs: number[] = [];
    const ortMs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      tfMs.push(await runTf());
      ortMs.push(await runOrt());
    }
    tfMs.sort((a, b) => a - b);
    ortMs.sort((a, b) => a - b);
    nhwc.dispose();
    await session.release();
    model.dispose();
    const key = `${label} (${round(countArch(arch).macs / 1e6, 2)} MMACs)`;
    figures[`${key}: tfjs wasm median / p90 (ms)`] = `${round(quantile(tfMs, 0.5))} / ${round(quantile(tfMs, 0.9))}`;
    figures[`${key}: ONNX Runtime median / p90 (ms)`] =
      `${round(quantile(ortMs, 0.5))} / ${round(quantile(ortMs, 0.9))}`;
    figures[`${key}: ONNX Runtime / tfjs wasm (median)`] = round(quantile(ortMs, 0.5) / quantile(tfMs, 0.5));
  }
  return { name: "latency", figures };
}

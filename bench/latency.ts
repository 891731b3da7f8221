// `npm run bench -- --only latency`: the demo front's batch-1 latency in ONNX Runtime (CPU, one intra-op thread)
// against the tfjs forward pass on `wasm` (one thread), side by side in one run, round by round so both see the
// same load. The architectures are those of `out/demo/pareto.json` (`npm run demo`; LATENCY_FRONT names another
// pareto.json); without one, the demo space's uniform smallest, median and largest architectures stand in.
// Latency depends on the architecture, not on the weights, so each model is built from fresh weights.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { exportOnnx, quantile } from "@vitnas/export";
import { countArch, spaceOfArch, uniformArch, type VitArch, validateArch, validateJob } from "@vitnas/formats";
import { extract, initBackend, Supernet } from "@vitnas/supernet";
import * as ort from "onnxruntime-node";
import { sideBySide } from "../packages/export/bench/index";
import type { BenchSection } from "./run";

const ROOT = resolve(import.meta.dirname, "..");
const ROUNDS = Number(process.env.LATENCY_BENCH_ROUNDS ?? 50);

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
    const c = arch.input.channels;
    const { bytes } = exportOnnx(model, { normalization: { mean: Array(c).fill(0), std: Array(c).fill(1) } });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const { tfMs, ortMs } = await sideBySide(model, session, 1, ROUNDS);
    tfMs.sort((a, b) => a - b);
    ortMs.sort((a, b) => a - b);
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

// Supernet benchmarks on `wasm`, every ratio measured side by side in one run:
// - training throughput of a reference super-network and its FLOP efficiency: achieved FLOP/s (2 x MACs x 3 for
//   forward + backward, MACs from the counter) over the same backend's dense 512x512 matmul FLOP/s;
// - cost of a step with archsPerStep = 4 vs 1 at the same batch size (same architecture, so only the split costs);
// - peak bytes of forward + backward at 1024 patch tokens, per attention type, relative to softmax, with the
//   default activation recomputation and without it (real wasm buffers, not tfjs's per-tensor count);
// - training images/s and evaluation candidates/s on two threads against one (parallel.ts);
// - the batched attention products: softmax and linear attention's forward + backward products on the reference
//   step's shapes with tfjs-wasm's own BatchMatMul and with the SIMD one (src/kernels/batch-matmul.ts), against a
//   dense matmul, and the fixed step with tfjs-wasm's BatchMatMul and Slice and with the product's (src/kernels),
//   in the same rounds;
// - the anchor: the fixed step in PyTorch (bench/reference/torch_step.py, Debian's python3-torch) on 1 and
//   BENCH_THREADS threads, in the same rounds as the product's fixed step on 1 and BENCH_THREADS threads, and the
//   ratios; FLOP efficiency of each against the matmul rate of all the threads it used.
import * as tf from "@tensorflow/tfjs";
import type { AttentionSpec, VitArch, VitSpace } from "@vitnas/formats";
import { countArch } from "@vitnas/formats";
import type { BenchSection } from "../../../bench/run";
import { ArchSampler, Evaluator, initBackend, largestSubnet, Supernet, Trainer } from "../src";
import { variableGrads } from "../src/backward";
import { useBatchMatMul } from "../src/kernels/batch-matmul";
import { useSlice } from "../src/kernels/slice";
import { Random } from "../src/random";
import { BufferBytes } from "./buffer-bytes";
import { Halves } from "./halves";
import { parallelFigures } from "./parallel";
import { TorchStep } from "./pytorch";

const STEPS = Number(process.env.SUPERNET_BENCH_STEPS ?? 7);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
/** Steps a threaded trainer takes before the rounds: a new thread's code starts cold (parallel.ts). */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 20);

function syntheticSplit(count: number, imageSize: number, classes: number) {
  const rng = new Random(1);
  const images = Float32Array.from({ length: count * imageSize * imageSize * 3 }, () => rng.normal());
  const labels = Int32Array.from({ length: count }, (_, i) => i % classes);
  return { images, labels, count, imageSize, channels: 3, classes };
}

/** 32px images, patch 4 (65 tokens), width 64, 4 blocks of 4 heads of 16, MLP 256: the ENVIRONMENT.md step. */
function referenceSpace(fixed: boolean): VitSpace {
  return {
    format: "vit-space/v1",
    input: { imageSize: 32, channels: 3, classes: 10 },
    stem: { convs: [], patch: { kernel: 4, stride: 4, padding: 0 } },
    position: ["learned"],
    classToken: true,
    stages: [
      {
        widths: fixed ? [64] : [48, 64],
        headDim: 16,
        depth: fixed ? [4] : [3, 4],
        heads: fixed ? [4] : [3, 4],
        mlpHidden: fixed ? [256] : [192, 256],
        attention: [{ type: "softmax" }],
        reduction: ["none"],
      },
    ],
  };
}

/** One timed 512x512 matmul burst, FLOP/s. */
async function matmulFlops(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const reps = 5;
  const started = performance.now();
  let last: tf.Tensor | undefined;
  for (let i = 0; i < reps; i++) {
    last?.dispose();
    last = tf.matMul(a, b);
  }
  await last!.data();
  last!.dispose();
  return (reps * 2 * 512 ** 3) / ((performance.now() - started) / 1000);
}

function makeTrainer(space: VitSpace, archsPerStep: number, batchSize: number, threads = 1) {
  const data = syntheticSplit(batchSize * (STEPS + WARM_UP + 2), 32, 10);
  const config = {
    epochs: 1,
    batchSize,
    archsPerStep,
    learningRate: 1e-3,
    weightDecay: 0.05,
    warmupEpochs: 0,
    candidateWarmupEpochs: 0,
    labelSmoothing: 0.1,
  };
  return new Trainer(Supernet.create(space, { seed: 1 }), data, config, { seed: 1, threads });
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/**
 * Interleaved so that the machine's drifting load hits every figure alike: each round times one step of each
 * trainer (the fixed one also on THREADS threads), one step of PyTorch's on 1 and THREADS threads, and one matmul
 * burst in each; the figures are medians over the rounds.
 */
async function trainingRuns() {
  const batch = 32;
  const reference = makeTrainer(referenceSpace(false), 1, batch);
  const one = makeTrainer(referenceSpace(true), 1, batch);
  const four = makeTrainer(referenceSpace(true), 4, batch);
  const threaded = THREADS > 1 ? makeTrainer(referenceSpace(true), 1, batch, THREADS) : undefined;
  /** The fixed step with tfjs-wasm's own BatchMatMul and Slice, for the gain of the product's kernels. */
  const plainKernel = makeTrainer(referenceSpace(true), 1, batch);
  const withTfjsKernel = async () => {
    useBatchMatMul("tfjs");
    useSlice("tfjs");
    try {
      return batch / (await plainKernel.trainSteps(1))[0]!.imagesPerSec;
    } finally {
      useBatchMatMul("simd");
      useSlice("heap");
    }
  };
  const halves = THREADS > 1 ? await Halves.start(referenceSpace(true), batch, THREADS, "wasm") : undefined;
  const torch = await TorchStep.start();
  const a = tf.randomNormal([512, 512]);
  const b = tf.randomNormal([512, 512]);
  for (const t of [reference, one, four]) await t.trainSteps(2);
  for (let i = 0; i < 2; i++) await withTfjsKernel();
  await threaded?.trainSteps(WARM_UP);
  for (let i = 0; halves && i < WARM_UP / 2; i++) await halves.round();
  await matmulFlops(a, b);
  if (torch instanceof TorchStep) for (const n of [1, THREADS, 1, THREADS]) await torch.step(n);
  const rates = {
    matmul: [] as number[],
    reference: [] as number[],
    flops: [] as number[],
    one: [] as number[],
    four: [] as number[],
    threaded: [] as number[],
    halfAlone: [] as number[],
    halvesTogether: [] as number[],
    tfjsKernel: [] as number[],
    torchOne: [] as number[],
    torchMany: [] as number[],
    torchMatmul: [] as number[],
    /** Per round: the best of the product's images/s over the best of PyTorch's. */
    anchor: [] as number[],
  };
  for (let i = 0; i < STEPS; i++) {
    rates.matmul.push(await matmulFlops(a, b));
    const [r] = await reference.trainSteps(1);
    const seconds = batch / r!.imagesPerSec;
    const sizes = r!.archs.map((_, k) => Math.floor(batch / r!.archs.length) + (k < batch % r!.archs.length ? 1 : 0));
    const flops = r!.archs.reduce((sum, arch, k) => sum + 2 * 3 * countArch(arch).macs * sizes[k]!, 0);
    rates.reference.push(r!.imagesPerSec);
    rates.flops.push(flops / seconds);
    rates.one.push(batch / (await one.trainSteps(1))[0]!.imagesPerSec);
    rates.four.push(batch / (await four.trainSteps(1))[0]!.imagesPerSec);
    if (threaded) rates.threaded.push(batch / (await threaded.trainSteps(1))[0]!.imagesPerSec);
    if (halves) {
      const { alone, together } = await halves.round();
      rates.halfAlone.push(alone);
      rates.halvesTogether.push(together);
    }
    rates.tfjsKernel.push(await withTfjsKernel());
    if (torch instanceof TorchStep) {
      rates.torchOne.push(await torch.step(1));
      rates.torchMany.push(await torch.step(THREADS));
      rates.torchMatmul.push(await torch.matmul(1));
      const ours = Math.min(rates.one.at(-1)!, rates.threaded.at(-1) ?? Infinity);
      rates.anchor.push(Math.min(rates.torchOne.at(-1)!, rates.torchMany.at(-1)!) / ours);
    }
  }
  tf.dispose([a, b]);
  for (const t of [reference, one, four, threaded, plainKernel]) {
    t?.dispose();
    t?.supernet.dispose();
  }
  await halves?.dispose();
  if (torch instanceof TorchStep) await torch.close();
  const ms = (xs: number[]) => (xs.length ? median(xs) : undefined);
  return {
    matmul: median(rates.matmul),
    imagesPerSec: median(rates.reference),
    flopsPerSec: median(rates.flops),
    oneStep: median(rates.one),
    fourStep: median(rates.four),
    threadedStep: ms(rates.threaded),
    halfAlone: ms(rates.halfAlone),
    halvesTogether: ms(rates.halvesTogether),
    tfjsKernelStep: median(rates.tfjsKernel),
    torch: torch instanceof TorchStep ? torch.ready : torch,
    torchOneStep: ms(rates.torchOne),
    torchManyStep: ms(rates.torchMany),
    torchMatmul: ms(rates.torchMatmul),
    anchor: ms(rates.anchor),
  };
}

/**
 * The attention products of the reference step (batch 32, 4 heads, 65 tokens, head size 16), forward + backward
 * (six products each): softmax's (q k^T, then p v) and linear attention's (k^T v, then q (k^T v)), with each
 * BatchMatMul kernel, against a dense 512x512 matmul, interleaved; GFLOP/s, medians.
 */
async function attentionProducts() {
  const [b, h, n, d] = [32, 4, 65, 16];
  const [q, k, v, r] = [1, 2, 3, 4].map((seed) => tf.randomNormal([b, h, n, d], 0, 1, "float32", seed));
  const cores = {
    softmax: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(tf.softmax(tf.matMul(q, k, false, true)), v), r!)),
    linear: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(q, tf.matMul(k, v, true, false)), r!)),
  };
  const flops = { softmax: 6 * 2 * b * h * n * n * d, linear: 6 * 2 * b * h * n * d * d };
  const seconds = async (core: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor) => {
    const started = performance.now();
    const { value, grads } = tf.valueAndGrads(core)([q!, k!, v!]);
    await grads[2]!.data();
    tf.dispose([value, ...grads]);
    return (performance.now() - started) / 1000;
  };
  const x = tf.randomNormal([512, 512]);
  const y = tf.randomNormal([512, 512]);
  const rates: Record<string, number[]> = {};
  const push = (key: string, value: number) => {
    rates[key] ??= [];
    rates[key].push(value);
  };
  for (let round = 0; round < STEPS + 1; round++) {
    const dense = await matmulFlops(x, y);
    for (const which of ["tfjs", "simd"] as const) {
      useBatchMatMul(which);
      for (const type of ["softmax", "linear"] as const) {
        const s = await seconds(cores[type]);
        if (round > 0) push(`${type} ${which}`, flops[type] / s);
      }
    }
    useBatchMatMul("simd");
    if (round > 0) push("dense", dense);
  }
  tf.dispose([q!, k!, v!, r!, x, y]);
  return Object.fromEntries(Object.entries(rates).map(([key, xs]) => [key, median(xs)]));
}

// Sizes as Vision X-formers' backbone block (width 128, 4 heads of 32, MLP 256); performer's m = d ln d, linformer's
// k = N/8, nystrom's 64 landmarks.
const MEMORY_TYPES: AttentionSpec[] = [
  { type: "softmax" },
  { type: "performer", features: 111 },
  { type: "linformer", k: 128, shareKV: true },
  { type: "nystrom", landmarks: 64, iterations: 6, convKernel: 33 },
  { type: "fnet" },
  { type: "mixer", expansion: 0.5 },
  { type: "castling", convKernel: 9 },
  { type: "xnorm" },
];

/**
 * Peak tensor bytes of one forward + backward pass (loss, every gradient) at 32x32 patch-1 tokens (1024 + class
 * token), width 128, 2 blocks of 4 heads of 32, MLP 256, batch 2: the most bytes of wasm data buffers alive at once
 * during the pass (every allocation and release counted, see BufferBytes) above those alive before it (weights,
 * cached constants such as fnet's DFT matrices, made by a warm-up pass).
 */
async function peakBytes(buffers: BufferBytes, spec: AttentionSpec, recompute: boolean): Promise<number> {
  const space: VitSpace = {
    format: "vit-space/v1",
    input: { imageSize: 32, channels: 3, classes: 10 },
    stem: { convs: [], patch: { kernel: 1, stride: 1, padding: 0 } },
    position: ["learned"],
    classToken: true,
    stages: [
      { widths: [128], headDim: 32, depth: [2], heads: [4], mlpHidden: [256], attention: [spec], reduction: ["none"] },
    ],
  };
  const net = Supernet.create(space, { seed: 1 });
  const arch: VitArch = largestSubnet(space);
  const images = tf.randomNormal([2, 32, 32, 3]) as tf.Tensor4D;
  const pass = () => {
    const { value, grads } = variableGrads(
      // castling at the end of its schedule: the training-only branch is faded out
      () =>
        tf.mean(
          tf.square(net.forward([arch], images, [2], { training: true, castlingBranch: 0, recompute }).logits),
        ) as tf.Scalar,
      net.trainableVariables(),
    );
    tf.dispose([value, ...Object.values(grads)]);
  };
  pass();
  const peak = await buffers.peakOver(pass);
  images.dispose();
  net.dispose();
  return peak;
}

export async function memoryFigures(figures: BenchSection["figures"]) {
  const buffers = new BufferBytes();
  const peaks = new Map<string, { plain: number; recomputed: number }>();
  for (const spec of MEMORY_TYPES) {
    peaks.set(spec.type, {
      plain: await peakBytes(buffers, spec, false),
      recomputed: await peakBytes(buffers, spec, true),
    });
  }
  const softmax = peaks.get("softmax")!;
  figures["peak MB fwd+bwd, 1024 tokens, softmax, plain / recomputed (default)"] =
    `${(softmax.plain / 2 ** 20).toFixed(1)} / ${(softmax.recomputed / 2 ** 20).toFixed(1)}`;
  for (const spec of MEMORY_TYPES.slice(1)) {
    const p = peaks.get(spec.type)!;
    figures[`peak bytes ${spec.type} / softmax, recomputed (default; linear target <= 0.25)`] = +(
      p.recomputed / softmax.recomputed
    ).toFixed(3);
    figures[`peak bytes ${spec.type} / softmax, plain`] = +(p.plain / softmax.plain).toFixed(3);
  }
}

/** Candidates evaluated per second with inherited weights, as the search runs them: one Evaluator, many archs. */
async function evaluationRate(): Promise<number> {
  const space = referenceSpace(false);
  const net = Supernet.create(space, { seed: 1 });
  const evaluator = new Evaluator(net, syntheticSplit(256, 32, 10), { batchSize: 128 });
  const sampler = new ArchSampler(space, 1);
  await evaluator.accuracy(sampler.sample(0));
  const count = 6;
  const started = performance.now();
  for (let i = 0; i < count; i++) await evaluator.accuracy(sampler.sample(0));
  const seconds = (performance.now() - started) / 1000;
  evaluator.dispose();
  net.dispose();
  return count / seconds;
}

/** The training figures: the reference space, the archsPerStep split, and the fixed step against PyTorch's. */
export async function trainingFigures(figures: BenchSection["figures"]) {
  const runs = await trainingRuns();
  figures["matmul 512x512 GFLOP/s"] = +(runs.matmul / 1e9).toFixed(2);
  figures["reference train images/s (batch 32, archsPerStep 1)"] = +runs.imagesPerSec.toFixed(1);
  figures["reference train GFLOP/s (2*MACs*3)"] = +(runs.flopsPerSec / 1e9).toFixed(2);
  figures["FLOP efficiency vs matmul (target >= 0.35)"] = +(runs.flopsPerSec / runs.matmul).toFixed(3);
  figures["step s, archsPerStep 1 (batch 32, one arch)"] = +runs.oneStep.toFixed(3);
  figures["step s, archsPerStep 4 (batch 32, same arch)"] = +runs.fourStep.toFixed(3);
  figures["archsPerStep 4 / 1 step cost (target <= 1.15)"] = +(runs.fourStep / runs.oneStep).toFixed(3);

  // The fixed step (the largest architecture of the reference space) on 1 and THREADS threads, and PyTorch's.
  const t = `${THREADS} threads`;
  const stepFlops = 2 * 3 * countArch(largestSubnet(referenceSpace(true))).macs * 32;
  const images = (seconds: number | undefined) => (seconds ? +(32 / seconds).toFixed(1) : "-");
  figures["fixed train images/s, 1 thread"] = images(runs.oneStep);
  figures["fixed train FLOP efficiency, 1 thread vs matmul"] = +(stepFlops / runs.oneStep / runs.matmul).toFixed(3);
  figures["fixed train images/s, 1 thread, tfjs-wasm's own BatchMatMul and Slice"] = images(runs.tfjsKernelStep);
  figures["fixed train speed-up from the SIMD BatchMatMul and heap Slice, same rounds"] = +(
    runs.tfjsKernelStep / runs.oneStep
  ).toFixed(2);
  if (runs.threadedStep) {
    figures[`fixed train images/s, ${t}`] = images(runs.threadedStep);
    figures[`fixed train FLOP efficiency, ${t} vs ${THREADS} x matmul (target >= 0.35)`] = +(
      stepFlops /
      runs.threadedStep /
      (THREADS * runs.matmul)
    ).toFixed(3);
  }
  if (runs.halfAlone && runs.halvesTogether) {
    figures[`fixed step's thread shares (half a batch, forward + backward): ${t} at once / 1, same rounds`] = +(
      (THREADS * runs.halfAlone) /
      runs.halvesTogether
    ).toFixed(2);
    figures[`fixed train speed-up ceiling, ${t}: 1-thread step / the shares at once (no serial work)`] = +(
      runs.oneStep / runs.halvesTogether
    ).toFixed(2);
    if (runs.threadedStep)
      figures[`fixed train speed-up, ${t} / 1 thread, same rounds`] = +(runs.oneStep / runs.threadedStep).toFixed(2);
  }
  if (typeof runs.torch === "string") {
    figures["PyTorch anchor"] = `skipped: ${runs.torch}`;
    return;
  }
  figures["PyTorch anchor"] = `torch ${runs.torch.torch}, BLAS ${runs.torch.blas}, ${runs.torch.params} parameters`;
  figures["PyTorch fixed train images/s, 1 thread"] = images(runs.torchOneStep);
  figures[`PyTorch fixed train images/s, ${t}`] = images(runs.torchManyStep);
  figures["PyTorch matmul 512x512 GFLOP/s, 1 thread"] = +(runs.torchMatmul! / 1e9).toFixed(2);
  figures["PyTorch fixed train FLOP efficiency, 1 thread vs its matmul"] = +(
    stepFlops /
    runs.torchOneStep! /
    runs.torchMatmul!
  ).toFixed(3);
  figures["fixed train images/s, wasm 1 thread / PyTorch 1 thread"] = +(runs.torchOneStep! / runs.oneStep).toFixed(3);
  figures[`fixed train images/s, best wasm / best PyTorch, per round (target >= 0.5)`] = +runs.anchor!.toFixed(3);
}

/** The attention products' GFLOP/s with each BatchMatMul kernel and a dense matmul's, same rounds. */
export async function attentionFigures(figures: BenchSection["figures"]) {
  const r = await attentionProducts();
  const g = (x: number | undefined) => +((x ?? 0) / 1e9).toFixed(2);
  figures["attention products fwd+bwd GFLOP/s, softmax: tfjs BatchMatMul / SIMD / dense matmul"] =
    `${g(r["softmax tfjs"])} / ${g(r["softmax simd"])} / ${g(r.dense)}`;
  figures["attention products fwd+bwd GFLOP/s, linear: tfjs BatchMatMul / SIMD"] =
    `${g(r["linear tfjs"])} / ${g(r["linear simd"])}`;
  figures["attention products, SIMD / tfjs speed-up, softmax / linear"] =
    `${(r["softmax simd"]! / r["softmax tfjs"]!).toFixed(2)} / ${(r["linear simd"]! / r["linear tfjs"]!).toFixed(2)}`;
}

export async function bench(): Promise<BenchSection> {
  const backend = await initBackend({ force: "wasm", log: null });
  const figures: BenchSection["figures"] = { backend: `${backend.name} (${backend.device})` };
  await attentionFigures(figures);
  await trainingFigures(figures);

  const evaluation = await evaluationRate();
  figures["evaluation candidates/s (256 images each, cached stem)"] = +evaluation.toFixed(2);

  await parallelFigures(figures);
  await memoryFigures(figures);
  return { name: "supernet", figures };
}

// Threads against one thread, side by side: training images/s of the demo job's super-network (its recipe: batch 32,
// 2 sub-networks per step) and of the same space with the sandwich rule and distillation (4 sub-networks, batch
// 64), and evaluation candidates/s (the demo's 500 validation images per candidate). Every round times one step
// (or one group of candidates) of each, alternating, so the machine's drifting load hits both alike; the figures
// are medians over the rounds. BENCH_THREADS sets the threaded count (default 2).
// Two more figures make the ratio readable on a shared machine: how fast plain arithmetic runs on the same number
// of threads against one in the same rounds (the cores the machine gives now: 2.0 on two idle cores), and the CPU
// time per image of the threaded steps against one thread's (the work threads add, whatever the load).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { type NasSearch, type VitArch, validateJob } from "@vitnas/formats";
import type { BenchSection } from "../../../bench/run";
import { ArchSampler, Evaluator, ParallelEvaluator, Supernet, type TrainConfig, Trainer } from "../src";
import { Random } from "../src/random";

const ROUNDS = Number(process.env.SUPERNET_BENCH_STEPS ?? 7);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
/**
 * Steps before the rounds: a new thread's code starts cold (its own V8 isolate compiles tfjs's and the model's code
 * again, later under load), and its first 10-20 steps measured up to twice as slow as the main thread's.
 */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 20);

function demoJob(): NasSearch {
  const doc = JSON.parse(readFileSync(join(import.meta.dirname, "../../../examples/demo.json"), "utf8"));
  const result = validateJob(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

function split(count: number, job: NasSearch) {
  const { imageSize, channels, classes } = job.space.input;
  const rng = new Random(2);
  const images = Float32Array.from({ length: count * imageSize * imageSize * channels }, () => rng.normal());
  const labels = Int32Array.from({ length: count }, (_, i) => i % classes);
  return { images, labels, count, imageSize, channels, classes };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/** Plain arithmetic (about 0.1 s a loop) on `THREADS` threads at once against one: the speed-up the cores allow. */
class Calibration {
  private readonly workers = Array.from(
    { length: THREADS },
    () =>
      new Worker(
        `const { parentPort } = require("node:worker_threads");
         parentPort.on("message", (n) => { let x = 0; for (let i = 0; i < n; i++) x += Math.sqrt(i); parentPort.postMessage(x); });`,
        { eval: true },
      ),
  );
  readonly ratios: number[] = [];

  private loop(w: Worker): Promise<void> {
    return new Promise((resolve) => {
      w.once("message", () => resolve());
      w.postMessage(3e7);
    });
  }

  async round() {
    let t = performance.now();
    await this.loop(this.workers[0]!);
    const one = performance.now() - t;
    t = performance.now();
    await Promise.all(this.workers.map((w) => this.loop(w)));
    this.ratios.push((THREADS * one) / (performance.now() - t));
  }

  async dispose() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Wall and CPU seconds (every thread of the process) of `f`. */
async function timed(f: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await f();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/** Images/s of `threads` threads against one, on the same recipe, alternating steps. */
async function trainingRatio(job: NasSearch, config: TrainConfig, calibration: Calibration) {
  const data = split(config.batchSize * (ROUNDS + WARM_UP + 2), job);
  const make = (threads: number) =>
    new Trainer(
      Supernet.create(job.space, {
        seed: 1,
        attentionWeights: config.attentionWeights,
        tokenWeights: config.tokenWeights,
      }),
      data,
      config,
      {
        seed: 1,
        threads,
      },
    );
  const one = make(1);
  const many = make(THREADS);
  const started = performance.now();
  await many.trainSteps(1);
  const firstStep = (performance.now() - started) / 1000;
  await one.trainSteps(2);
  await many.trainSteps(WARM_UP - 1);
  const rates = { one: [] as number[], many: [] as number[], cpu: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    const a = await timed(() => one.trainSteps(1));
    const b = await timed(() => many.trainSteps(1));
    rates.one.push(config.batchSize / a.wall);
    rates.many.push(config.batchSize / b.wall);
    rates.cpu.push(b.cpu / a.cpu);
    await calibration.round();
  }
  for (const t of [one, many]) {
    t.dispose();
    t.supernet.dispose();
  }
  return { one: median(rates.one), many: median(rates.many), cpu: median(rates.cpu), firstStep };
}

/** Candidates/s of `threads` threads against one Evaluator, alternating groups of candidates. */
async function evaluationRatio(job: NasSearch, calibration: Calibration) {
  const net = Supernet.create(job.space, {
    seed: 1,
    attentionWeights: job.supernet.attentionWeights,
    tokenWeights: job.supernet.tokenWeights,
  });
  const val = split(job.dataset.kind === "synthetic" ? (job.dataset.val ?? 500) : 500, job);
  const sampler = new ArchSampler(job.space, 3);
  // A group is a generation of the demo's search: the candidates a search hands the evaluator at once.
  const group = () => Array.from({ length: job.search.population }, () => sampler.sample(99));
  const one = new Evaluator(net, val);
  const many = new ParallelEvaluator(net, val, { threads: THREADS });
  const sequential = async (archs: VitArch[]) => {
    for (const a of archs) await one.accuracy(a);
  };
  // Warm-up: threads started, stem features cached on both sides, the threads' code compiled.
  const started = performance.now();
  await Promise.all(group().map((a) => many.accuracy(a)));
  const warmUp = (performance.now() - started) / 1000;
  await sequential(group());
  for (let i = 0; i < Math.ceil(WARM_UP / job.search.population); i++) {
    await Promise.all(group().map((a) => many.accuracy(a)));
  }
  const rates = { one: [] as number[], many: [] as number[], cpu: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    const archs = group();
    const a = await timed(() => sequential(archs));
    const b = await timed(() => Promise.all(archs.map((x) => many.accuracy(x))));
    rates.one.push(archs.length / a.wall);
    rates.many.push(archs.length / b.wall);
    rates.cpu.push(b.cpu / a.cpu);
    await calibration.round();
  }
  one.dispose();
  await many.dispose();
  net.dispose();
  return { one: median(rates.one), many: median(rates.many), cpu: median(rates.cpu), warmUp };
}

export async function parallelFigures(figures: BenchSection["figures"]) {
  const job = demoJob();
  const t = `${THREADS} threads`;
  const calibration = new Calibration();
  const demo = await trainingRatio(job, job.supernet, calibration);
  figures[`demo train images/s, 1 thread / ${t}`] = `${demo.one.toFixed(1)} / ${demo.many.toFixed(1)}`;
  figures[`demo train speed-up, ${t} / 1`] = +(demo.many / demo.one).toFixed(2);
  figures[`demo train CPU s per image, ${t} / 1`] = +demo.cpu.toFixed(2);
  figures[`first threaded step s (threads start)`] = +demo.firstStep.toFixed(2);
  const sandwich = await trainingRatio(
    job,
    {
      ...job.supernet,
      batchSize: 64,
      archsPerStep: 4,
      sandwich: true,
      distill: true,
    },
    calibration,
  );
  figures[`sandwich+distill train images/s (batch 64, 4 archs), 1 / ${t}`] =
    `${sandwich.one.toFixed(1)} / ${sandwich.many.toFixed(1)}`;
  figures[`sandwich+distill train speed-up, ${t} / 1`] = +(sandwich.many / sandwich.one).toFixed(2);
  figures[`sandwich+distill train CPU s per image, ${t} / 1`] = +sandwich.cpu.toFixed(2);
  const evaluation = await evaluationRatio(job, calibration);
  figures[`evaluation candidates/s (500 images each), 1 / ${t}`] =
    `${evaluation.one.toFixed(2)} / ${evaluation.many.toFixed(2)}`;
  figures[`evaluation speed-up, ${t} / 1`] = +(evaluation.many / evaluation.one).toFixed(2);
  figures[`evaluation CPU s per candidate, ${t} / 1`] = +evaluation.cpu.toFixed(2);
  figures["evaluation threads' start + first candidates s"] = +evaluation.warmUp.toFixed(2);
  figures[`plain arithmetic speed-up, ${t} / 1, same rounds (the cores free now; 2.0 idle)`] = +median(
    calibration.ratios,
  ).toFixed(2);
  await calibration.dispose();
}

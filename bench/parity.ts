// `npm run bench -- --only parity`: does the product's training learn real data as well as PyTorch does?
// The fixed ViT of examples/fmnist-vit.json on Fashion-MNIST (the `idx` kind), trained by `trainAlone` (what
// `nas train` runs) with the product's defaults, beside the same network trained by PyTorch with PyTorch's defaults
// (bench/reference/torch_vit.py, Debian's python3-torch), same split sizes, epochs, batch and learning rate:
// - short: 7,200 training / 800 validation images, 3 epochs, batch 64, learning rate 2e-3 (target: ours >= PyTorch's
//   validation accuracy minus 2 points);
// - long: 10,000 training images, 10 epochs (target: ours >= 0.85 test accuracy);
// - search: examples/fashion-mnist-whole.json (every attention type, residual/none reductions, a conv stem, the
//   super-network defaults: shared weights on whole batches, and two attention types per stage kept after two
//   epochs by space shrinking; PARITY_SEARCH_JOB names another job) run by `runSearch`, then
//   PARITY_ALONE (default 3) of its front architectures, spread over MACs, trained alone with the same recipe and
//   epochs (target: the front's inherited accuracy within 5 points of the same architectures trained alone). Its
//   work directory (.tmp/parity-search-<job file name>) makes an interrupted run resume.
// Each run is one seed; several seeds (PARITY_SEEDS, default "1,2") give means, since a 3-epoch run moves by a few
// points from seed to seed. PARITY_PARTS (default "short,long") picks the parts; PARITY_DATA the IDX directory.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { promisify } from "node:util";
import { type NasSearchInput, spaceOfArch, type VitArch, validateArch, validateJob } from "@vitnas/formats";
import { runSearch, trainAlone } from "@vitnas/pipeline";
import type { BenchSection } from "./run";

const root = resolve(import.meta.dirname, "..");
const DATA = process.env.PARITY_DATA ?? "/usr/share/datasets/fashion-mnist";
const SEEDS = (process.env.PARITY_SEEDS ?? "1,2").split(",").map(Number);
const PARTS = (process.env.PARITY_PARTS ?? "short,long,search").split(",");
const ALONE = Number(process.env.PARITY_ALONE ?? 3);
const PYTHON = process.env.PARITY_PYTHON ?? "/usr/bin/python3";
/** The search part's job (a recipe or space to compare); its work directory is named after the file. */
const SEARCH_JOB = resolve(root, process.env.PARITY_SEARCH_JOB ?? join("examples", "fashion-mnist-whole.json"));

interface Part {
  name: string;
  train: number;
  val: number;
  epochs: number;
}
const SHORT: Part = { name: "short", train: 7200, val: 800, epochs: 3 };
const LONG: Part = { name: "long", train: 10_000, val: 1000, epochs: 10 };

interface Run {
  val: number;
  test: number;
  seconds: number;
}

async function ours(arch: VitArch, part: Part, seed: number): Promise<Run> {
  const result = validateJob({
    format: "nas-search/v1",
    space: spaceOfArch(arch),
    dataset: { kind: "idx", path: DATA, train: part.train, val: part.val, seed },
    supernet: { epochs: part.epochs, batchSize: 64, learningRate: 2e-3 },
    seed,
  } as NasSearchInput);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const job = result.value;
  const outDir = await mkdtemp(join(tmpdir(), "parity-"));
  try {
    const r = await trainAlone(arch, { dataset: job.dataset, recipe: job.supernet, seed }, { outDir });
    process.stderr.write(`parity: ours ${part.name} seed ${seed}: val ${r.valAccuracy} test ${r.testAccuracy}\n`);
    return { val: r.valAccuracy, test: r.testAccuracy, seconds: r.seconds };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

async function torch(part: Part, seed: number): Promise<Run> {
  const script = join(root, "bench", "reference", "torch_vit.py");
  const args = [script, DATA, `${part.train}`, `${part.val}`, `${part.epochs}`, "--seed", `${seed}`];
  const { stdout } = await promisify(execFile)(PYTHON, args, { maxBuffer: 1 << 20 });
  const lines = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number>);
  const last = lines.at(-1)!;
  const run = { val: lines.at(-2)!.val!, test: last.test!, seconds: last.seconds! };
  process.stderr.write(`parity: PyTorch ${part.name} seed ${seed}: val ${run.val} test ${run.test}\n`);
  return run;
}

async function torchAvailable(): Promise<string | undefined> {
  try {
    await promisify(execFile)(PYTHON, ["-c", "import torch"]);
    return undefined;
  } catch {
    return `skipped: ${PYTHON} cannot import torch (apt-get install python3-torch)`;
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number) => Math.round(x * 10_000) / 10_000;
const list = (xs: number[]) => xs.map((x) => x.toFixed(4)).join(" ");

export async function bench(): Promise<BenchSection[]> {
  if (!existsSync(DATA)) {
    return [{ name: "parity", figures: { skipped: `${DATA} is missing (apt-get install dataset-fashion-mnist)` } }];
  }
  const { initBackend } = await import("@vitnas/supernet");
  const backend = await initBackend({ log: null });
  const checked = validateArch(JSON.parse(await readFile(join(root, "examples", "fmnist-vit.json"), "utf8")));
  if (!checked.ok) throw new Error("examples/fmnist-vit.json is invalid");
  const arch = checked.value;
  const noTorch = await torchAvailable();
  const sections: BenchSection[] = [];
  for (const part of [SHORT, LONG].filter((p) => PARTS.includes(p.name))) {
    const seeds = part === LONG ? SEEDS.slice(0, 1) : SEEDS;
    const mine: Run[] = [];
    const theirs: Run[] = [];
    for (const seed of seeds) {
      mine.push(await ours(arch, part, seed));
      if (!noTorch) theirs.push(await torch(part, seed));
    }
    const figures: BenchSection["figures"] = {
      backend: backend.name,
      "train / val images, epochs": `${part.train} / ${part.val}, ${part.epochs}`,
      seeds: seeds.join(" "),
      "ours: validation accuracy (mean)": round(mean(mine.map((r) => r.val))),
      "ours: test accuracy (mean)": round(mean(mine.map((r) => r.test))),
      "ours: validation per seed": list(mine.map((r) => r.val)),
      "ours: test per seed": list(mine.map((r) => r.test)),
    };
    if (noTorch) figures.PyTorch = noTorch;
    else {
      Object.assign(figures, {
        "PyTorch: validation accuracy (mean)": round(mean(theirs.map((r) => r.val))),
        "PyTorch: test accuracy (mean)": round(mean(theirs.map((r) => r.test))),
        "PyTorch: validation per seed": list(theirs.map((r) => r.val)),
        "PyTorch: test per seed": list(theirs.map((r) => r.test)),
        "ours - PyTorch, validation (target >= -0.02)": round(
          mean(mine.map((r) => r.val)) - mean(theirs.map((r) => r.val)),
        ),
        "ours - PyTorch, test": round(mean(mine.map((r) => r.test)) - mean(theirs.map((r) => r.test))),
        "training seconds, ours / PyTorch (1 thread each)": round(
          mean(mine.map((r) => r.seconds)) / mean(theirs.map((r) => r.seconds)),
        ),
      });
    }
    sections.push({ name: `parity: ${part.name}`, figures });
  }
  if (PARTS.includes("search")) sections.push(await searchParity());
  return sections;
}

/** Inherited accuracy of a real-data search's front against the same architectures trained alone. */
async function searchParity(): Promise<BenchSection> {
  const checked = validateJob(JSON.parse(await readFile(SEARCH_JOB, "utf8")));
  if (!checked.ok) throw new Error(`${SEARCH_JOB} is invalid: ${JSON.stringify(checked.errors)}`);
  const job = { ...checked.value, dataset: { ...checked.value.dataset, path: DATA } } as typeof checked.value;
  const work = join(root, ".tmp", `parity-search-${basename(SEARCH_JOB, ".json")}`);
  const started = performance.now();
  const result = await runSearch(job, {
    workDir: work,
    outDir: join(work, "out"),
    onProgress: (e) => {
      if (e.message) process.stderr.write(`parity search: ${e.phase} ${e.message}\n`);
    },
  });
  const searchSeconds = (performance.now() - started) / 1000;
  const front = [...result.front].sort((a, b) => a.macs - b.macs);
  const picked = [
    ...new Set(
      Array.from({ length: Math.min(ALONE, front.length) }, (_, i) =>
        Math.round((i * (front.length - 1)) / Math.max(1, Math.min(ALONE, front.length) - 1)),
      ),
    ),
  ].map((i) => front[i]!);
  const alone: number[] = [];
  for (const point of picked) {
    const outDir = join(work, "alone", point.id);
    const r = await trainAlone(point.arch, { dataset: job.dataset, recipe: job.supernet, seed: job.seed }, { outDir });
    process.stderr.write(`parity search: ${point.id} inherited ${point.accuracy} alone ${r.valAccuracy}\n`);
    alone.push(r.valAccuracy);
  }
  const gaps = picked.map((p, i) => alone[i]! - p.accuracy);
  return {
    name: "parity: search",
    figures: {
      "supernet epochs, train / val images": `${job.supernet.epochs}, ${job.dataset.kind === "idx" ? `${job.dataset.train} / ${job.dataset.val}` : ""}`,
      "architectures evaluated": result.candidatesEvaluated,
      "front size": result.front.length,
      "front inherited accuracy, min / max": `${round(Math.min(...front.map((p) => p.accuracy)))} / ${round(Math.max(...front.map((p) => p.accuracy)))}`,
      "front MACs": front.map((p) => p.macs).join(" "),
      "front inherited accuracies": list(front.map((p) => p.accuracy)),
      "trained alone (same epochs): MACs": picked.map((p) => p.macs).join(" "),
      "trained alone: inherited accuracy": list(picked.map((p) => p.accuracy)),
      "trained alone: validation accuracy": list(alone),
      "alone - inherited, mean (target <= 0.05)": round(mean(gaps)),
      "alone - inherited, largest": round(Math.max(...gaps)),
      "search seconds (0 work when resumed)": Math.round(searchSeconds),
    },
  };
}

// Evaluation fan-out (docs/deployment.md, "Evaluation fan-out"): one generation of 200 candidates of the demo space
// (examples/demo.json) evaluated by one evaluation worker, then by two, each a process of its own started by
// `npm run evaluation-worker`, in the same run; and in-process, as a search without fan-out evaluates it. The weights
// are the demo super-network's at step 0: how long an evaluation takes does not depend on what the weights learned.
// `npm run bench -- --only fanout`; FANOUT_BACKEND picks the workers' backend (default wasm), FANOUT_CANDIDATES the
// generation's size (default 200), REDIS_URL the Redis.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadDataset } from "@vitnas/datasets";
import { archHash, validateJob } from "@vitnas/formats";
import { checkpointName, type EvaluationTarget } from "@vitnas/pipeline";
import { createFlowEvaluator } from "@vitnas/queue";
import { Evolution } from "@vitnas/search";
import { Evaluator, initBackend, loadSupernet, Supernet, saveCheckpoint, Trainer } from "@vitnas/supernet";
import { Redis } from "ioredis";
import type { BenchSection } from "./run";

const root = resolve(import.meta.dirname, "..");
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const backend = process.env.FANOUT_BACKEND ?? "wasm";
const size = Number(process.env.FANOUT_CANDIDATES ?? 200);

function startWorker(prefix: string, name: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", join(root, "apps", "worker", "src", "evaluation-main.ts")], {
    env: { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, WORKER_NAME: name, NAS_BACKEND: backend },
    stdio: "ignore",
  });
}

/** Seconds the evaluation workers take for the generation, from when they all listen to the last result. */
async function fannedOut(workers: number, target: EvaluationTarget, archs: ReturnType<Evolution["proposeGeneration"]>) {
  const prefix = `bench-fanout-${randomUUID()}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const evaluator = createFlowEvaluator(connection, { prefix });
  const processes = Array.from({ length: workers }, (_, i) => startWorker(prefix, `bench-${i}`));
  try {
    while ((await evaluator.workers()) < workers) await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    const evaluations = await evaluator.evaluate({ ...target, searchId: randomUUID() }, 0, archs);
    return { seconds: (performance.now() - started) / 1000, evaluations };
  } finally {
    for (const p of processes) p.kill("SIGTERM");
    await evaluator.close();
    await connection.quit();
  }
}

export async function bench(): Promise<BenchSection> {
  const dir = await mkdtemp(join(tmpdir(), "bench-fanout-"));
  try {
    const parsed = validateJob(JSON.parse(readFileSync(join(root, "examples", "demo.json"), "utf8")));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const job = parsed.value;
    await initBackend({ force: backend, log: null });
    const data = await loadDataset(job.dataset, job.space.input);
    const checkpointDir = join(dir, "supernet");
    const { init, attentionWeights, tokenWeights } = job.supernet;
    const fresh = Supernet.create(job.space, { seed: job.seed, init, attentionWeights, tokenWeights });
    const trainer = new Trainer(fresh, data.train, job.supernet, { seed: job.seed });
    await saveCheckpoint(trainer, checkpointDir);
    trainer.dispose();
    fresh.dispose();
    const { supernet, step, sha256 } = await loadSupernet(checkpointDir);
    const proposed = Evolution.create(job.space, { ...job.search, population: size }, job.seed).proposeGeneration();
    const archs = [...new Map(proposed.map((a) => [archHash(a), a])).values()];
    const target: EvaluationTarget = {
      searchId: "",
      checkpoint: checkpointName(step, sha256),
      checkpointDir,
      split: data.fingerprint,
      dataset: job.dataset,
      input: job.space.input,
    };

    // As a search without fan-out evaluates a generation: in its own process, one candidate after another.
    const started = performance.now();
    const evaluator = new Evaluator(supernet, data.val);
    const reference: number[] = [];
    for (const arch of archs) reference.push(await evaluator.accuracy(arch));
    const inProcess = (performance.now() - started) / 1000;
    evaluator.dispose();
    supernet.dispose();

    const one = await fannedOut(1, target, archs);
    const two = await fannedOut(2, target, archs);
    const same = [one, two].every((run) => run.evaluations.every((e, i) => e.accuracy === reference[i]));
    const round = (x: number, to = 10) => Math.round(x * to) / to;
    return {
      name: "fanout",
      figures: {
        candidates: archs.length,
        backend,
        "in-process, s": round(inProcess),
        "one evaluation worker, s": round(one.seconds),
        "two evaluation workers, s": round(two.seconds),
        "two / one workers speed-up": round(one.seconds / two.seconds, 100),
        "accuracies equal the in-process ones": same,
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Evaluation fanned out across workers (docs/deployment.md, "Evaluation fan-out"), against the local Redis: a search's
// generations evaluated by two evaluation workers give the in-process evaluation's accuracies, and an evaluation
// worker killed mid-evaluation loses nothing: its job is taken up by another worker and counted once.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "@vitnas/datasets";
import { archHash, type NasSearchInput } from "@vitnas/formats";
import { type CandidateRecord, checkpointName, runSearch } from "@vitnas/pipeline";
import { createFlowEvaluator, EVALUATION_QUEUE, GENERATION_QUEUE, generationJobId } from "@vitnas/queue";
import { Evolution } from "@vitnas/search";
import { Evaluator, loadSupernet } from "@vitnas/supernet";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EvaluationWorker, startEvaluationWorker } from "../src/evaluation-worker";
import { settingsFromEnv } from "../src/settings";
import { tinyJob, waitFor } from "./harness";

const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
// More choices than the tiny search's, so a generation has enough distinct architectures to share.
const widen = (doc: NasSearchInput) => {
  doc.space.stages = [
    {
      widths: [8, 12, 16],
      headDim: 4,
      depth: [1, 2],
      heads: [1, 2],
      mlpHidden: [16, 24, 32],
      attention: ["softmax", "xnorm"],
    },
  ];
  doc.search = { population: 10, generations: 2 };
};
const job = tinyJob(widen);

const settings = (prefix: string, name: string) => ({
  ...settingsFromEnv({}),
  redisUrl,
  queuePrefix: prefix,
  name,
  lockDurationMs: 1000,
  stalledIntervalMs: 500,
  datasetCacheDir: join(tmpdir(), "fanout-uploads"),
});

describe("evaluation fan-out", () => {
  let dir: string;
  let redis: Redis;
  let inProcess: CandidateRecord[];
  const opened: { close(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "fanout-"));
    redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    inProcess = [];
    // The reference: the search evaluating every candidate in its own process, on the super-network it trains.
    await runSearch(job, { workDir: join(dir, "in-process"), onCandidate: (c) => inProcess.push(c) });
  }, 300_000);

  afterAll(async () => {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
    await redis?.quit();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("two evaluation workers share each generation and give the in-process accuracies", async () => {
    const prefix = `test-${randomUUID()}`;
    const workers: EvaluationWorker[] = [];
    for (const name of ["eval-a", "eval-b"]) {
      const worker = await startEvaluationWorker({ settings: settings(prefix, name) });
      workers.push(worker);
      opened.push(worker);
    }
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const evaluator = createFlowEvaluator(connection, { prefix });
    opened.push({ close: () => evaluator.close().then(() => connection.quit()) });
    expect(await evaluator.workers()).toBe(2);

    const fannedOut: CandidateRecord[] = [];
    const workDir = join(dir, "fanned-out");
    const result = await runSearch(job, {
      workDir,
      onCandidate: (c) => fannedOut.push(c),
      // The same weights as the reference, so the same candidates must get the same accuracies.
      reuse: [{ id: "reference", dir: join(dir, "in-process", "supernet"), anyData: true }],
      fanout: { mode: "auto", searchId: randomUUID(), evaluator },
    });

    const figures = (list: CandidateRecord[]) =>
      list.map(({ id, accuracy, macs, params }) => ({ id, accuracy, macs, params }));
    expect(figures(fannedOut)).toEqual(figures(inProcess));
    // Both workers evaluated part of the search; each architecture was evaluated once, by one of them.
    const evaluated = workers.map((w) => w.evaluated());
    expect(evaluated.every((n) => n > 0)).toBe(true);
    const distinct = new Set(fannedOut.map((c) => c.id)).size;
    expect(evaluated[0]! + evaluated[1]!).toBe(distinct);
    expect(result.evaluatedThisRun).toBe(distinct);
    // Each worker loaded the checkpoint once for the whole search.
    expect(workers.map((w) => w.checkpoints.loads)).toEqual([1, 1]);
    // The search's evaluation cache holds one line per architecture: nothing recorded twice.
    const lines = (await readFile(join(workDir, "evaluations", "evaluations.jsonl"), "utf8")).trim().split("\n");
    const ids = lines.map((line) => (JSON.parse(line) as { archId: string }).archId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(distinct);
    // Generations read are removed with their children: nothing is left behind in Redis.
    const generations = new Queue(GENERATION_QUEUE, { connection: redis, prefix });
    const evaluations = new Queue(EVALUATION_QUEUE, { connection: redis, prefix });
    expect(await generations.getJobCountByTypes("waiting", "waiting-children", "failed")).toBe(0);
    expect(await evaluations.getJobCountByTypes("waiting", "active", "failed")).toBe(0);
    await Promise.all([generations.close(), evaluations.close()]);
    for (const w of workers) await w.close();
  }, 300_000);

  it("auto keeps a search with one evaluation worker in its own process", async () => {
    const prefix = `test-${randomUUID()}`;
    const lone = await startEvaluationWorker({ settings: settings(prefix, "lone") });
    opened.push(lone);
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const evaluator = createFlowEvaluator(connection, { prefix });
    opened.push({ close: () => evaluator.close().then(() => connection.quit()) });
    const candidates: CandidateRecord[] = [];
    await runSearch(job, {
      workDir: join(dir, "one-worker"),
      onCandidate: (c) => candidates.push(c),
      reuse: [{ id: "reference", dir: join(dir, "in-process", "supernet"), anyData: true }],
      fanout: { mode: "auto", searchId: randomUUID(), evaluator },
    });
    expect(candidates.map((c) => c.accuracy)).toEqual(inProcess.map((c) => c.accuracy));
    expect(lone.evaluated()).toBe(0);
    expect(lone.checkpoints.loads).toBe(0);
    await lone.close();
  }, 300_000);

  it("EVAL_FANOUT names its allowed values when it has another", () => {
    expect(settingsFromEnv({ EVAL_FANOUT: "on" }).evalFanout).toBe("on");
    expect(settingsFromEnv({}).evalFanout).toBe("auto");
    expect(() => settingsFromEnv({ EVAL_FANOUT: "sometimes" })).toThrow(
      'EVAL_FANOUT must be one of off, auto, on, got "sometimes"',
    );
  });

  it("a worker killed mid-evaluation has its job retried elsewhere, each architecture counted once", async () => {
    const prefix = `test-${randomUUID()}`;
    const checkpointDir = join(dir, "in-process", "supernet");
    const { supernet, step, sha256 } = await loadSupernet(checkpointDir);
    const data = await loadDataset(job.dataset, job.space.input);
    const archs = Evolution.create(job.space, job.search, 11).proposeGeneration();
    const target = {
      searchId: randomUUID(),
      checkpoint: checkpointName(step, sha256),
      checkpointDir,
      split: data.fingerprint,
      dataset: job.dataset,
      input: job.space.input,
    };
    const reference = new Evaluator(supernet, data.val);
    const expected: number[] = [];
    for (const arch of archs) expected.push(await reference.accuracy(arch));
    reference.dispose();
    supernet.dispose();

    // The first worker is a process of its own, killed outright while it holds a job.
    const doomed: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "..", "src", "evaluation-main.ts")],
      {
        env: {
          ...process.env,
          REDIS_URL: redisUrl,
          QUEUE_PREFIX: prefix,
          WORKER_NAME: "doomed",
          WORKER_LOCK_MS: "1000",
          WORKER_STALLED_INTERVAL_MS: "500",
          LOG_LEVEL: "warn",
        },
        stdio: "ignore",
      },
    );
    opened.push({ close: async () => doomed.kill("SIGKILL") });
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const evaluator = createFlowEvaluator(connection, { prefix });
    opened.push({ close: () => evaluator.close().then(() => connection.quit()) });
    const evaluations = new Queue(EVALUATION_QUEUE, { connection: redis, prefix });
    opened.push(evaluations);

    const results = evaluator.evaluate(target, 0, archs);
    const heldId = await waitFor("the doomed worker to take a job", async () => {
      const [active] = await evaluations.getJobs(["active"]);
      return active?.id;
    });
    doomed.kill("SIGKILL");
    await new Promise((resolve) => doomed.once("exit", resolve));
    const generation = await new Queue(GENERATION_QUEUE, { connection: redis, prefix }).getJob(
      generationJobId(target, 0),
    );
    const { processed: doneBeforeKill = 0 } = await generation!.getDependenciesCount({ processed: true });

    const survivor = await startEvaluationWorker({ settings: settings(prefix, "survivor") });
    opened.push(survivor);
    const evaluationsBack = await results;
    expect(evaluationsBack.map((e) => e.accuracy)).toEqual(expected);
    // The held job was finished by the survivor, and nothing was evaluated twice: every architecture the doomed
    // worker did not finish, the survivor did, once.
    expect(heldId).toBeDefined();
    expect(survivor.evaluated()).toBe(new Set(archs.map(archHash)).size - doneBeforeKill);
    await survivor.close();
  }, 300_000);
});

// Evaluation fanned out across workers (docs/deployment.md, "Evaluation fan-out"). A generation is one BullMQ flow:
// its parent, a job of the `generations` queue that no worker processes, waits for its children, one job per
// architecture on the `evaluations` queue, which any idle evaluation worker (CPU or GPU) takes. The search's own
// process adds the flow and waits for the parent to leave `waiting-children`; it reads the children's results from
// the parent. The search process keeps its state (the evolution, the loaded super-network) in memory between
// generations, which is why the parent is a generation job rather than the search job waiting with
// `moveToWaitingChildren`: that would end the search's processor at every generation.
import { createHash } from "node:crypto";
import { archHash, type VitArch } from "@vitnas/formats";
import type { EvaluationTarget, FanoutMode, GenerationEvaluator } from "@vitnas/pipeline";
import { type ConnectionOptions, FlowProducer, Queue } from "bullmq";

export const EVALUATION_QUEUE = "evaluations";
/** Parents only: a generation's job moves to `wait` when its last child completes, and is removed once read. */
export const GENERATION_QUEUE = "generations";

export interface EvaluationJobData {
  target: EvaluationTarget;
  archId: string;
  arch: VitArch;
}

/** A child's return value: the evaluation, with the architecture it is of. */
export interface EvaluationJobResult {
  archId: string;
  accuracy: number;
  macs: number;
  params: number;
}

export const FANOUT_MODES: readonly FanoutMode[] = ["off", "auto", "on"];

/** `EVAL_FANOUT` (see FanoutMode); unset: `auto`. */
export function parseFanoutMode(raw: string | undefined, name = "EVAL_FANOUT"): FanoutMode {
  if (raw === undefined || raw === "") return "auto";
  if ((FANOUT_MODES as readonly string[]).includes(raw)) return raw as FanoutMode;
  throw new Error(`${name} must be one of ${FANOUT_MODES.join(", ")}, got "${raw}"`);
}

const digest = (...parts: string[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);

/**
 * One job per (search, weights, split, architecture): adding it again while it waits, runs or is retried is a no-op,
 * so a retried or resumed generation never evaluates an architecture twice at the same time.
 */
export const evaluationJobId = (target: EvaluationTarget, archId: string): string =>
  `eval-${digest(target.searchId, target.checkpoint, target.split, archId)}`;

export const generationJobId = (target: EvaluationTarget, generation: number): string =>
  `gen-${digest(target.searchId, target.checkpoint, target.split, String(generation))}`;

export interface FlowEvaluatorOptions {
  /** BullMQ key prefix (default "vitnas"), the search queue's. */
  prefix?: string;
  /** How often the generation's parent is looked at while its children run. */
  pollMs?: number;
  /** Tries of one architecture's evaluation (a worker's process killed mid-evaluation fails one). */
  attempts?: number;
}

export interface FlowEvaluator extends GenerationEvaluator {
  close(): Promise<void>;
}

export function createFlowEvaluator(connection: ConnectionOptions, options: FlowEvaluatorOptions = {}): FlowEvaluator {
  const prefix = options.prefix ?? "vitnas";
  const pollMs = options.pollMs ?? 50;
  const flows = new FlowProducer({ connection, prefix });
  const generations = new Queue(GENERATION_QUEUE, { connection, prefix });
  const evaluations = new Queue(EVALUATION_QUEUE, { connection, prefix });

  async function run(target: EvaluationTarget, generation: number, archs: readonly VitArch[], signal?: AbortSignal) {
    const parentId = generationJobId(target, generation);
    const wanted = new Map(archs.map((arch) => [evaluationJobId(target, archHash(arch)), arch]));
    // A generation added by an earlier run of this search (resumed after its worker died) is waited for again when
    // it asked for these architectures; otherwise it is replaced.
    const earlier = await generations.getJob(parentId);
    if (earlier) {
      const asked = new Set((earlier.data as { children?: string[] }).children ?? []);
      if ([...wanted.keys()].some((id) => !asked.has(id))) {
        await earlier.remove().catch(() => undefined);
      }
    }
    if (!(await generations.getJob(parentId))) {
      await flows.add({
        name: "generation",
        queueName: GENERATION_QUEUE,
        data: { searchId: target.searchId, generation, children: [...wanted.keys()] },
        opts: { jobId: parentId },
        children: [...wanted].map(([jobId, arch]) => ({
          name: "evaluate",
          queueName: EVALUATION_QUEUE,
          data: { target, archId: archHash(arch), arch } satisfies EvaluationJobData,
          opts: {
            jobId,
            attempts: options.attempts ?? 3,
            backoff: { type: "fixed", delay: 1000 },
            failParentOnFailure: true,
            removeOnComplete: true,
            removeOnFail: { age: 24 * 3600 },
          },
        })),
      });
    }
    for (;;) {
      if (signal?.aborted) {
        // Children not taken yet are removed with their parent, so idle workers do not evaluate for nobody.
        await generations.remove(parentId).catch(() => undefined);
        // Named as the pipeline's abortError names it; imported by value, the pipeline would load tfjs into the API.
        const error = new Error("the search was aborted while its generation was evaluated by the evaluation workers");
        error.name = "AbortError";
        throw error;
      }
      const state = await generations.getJobState(parentId);
      if (state === "failed") {
        const parent = await generations.getJob(parentId);
        throw new Error(`evaluation of generation ${generation} failed: ${parent?.failedReason ?? "no reason"}`);
      }
      if (state === "unknown") throw new Error(`generation ${generation}'s evaluation job disappeared from Redis`);
      if (state !== "waiting-children") break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    const parent = (await generations.getJob(parentId))!;
    const values = Object.values(await parent.getChildrenValues<EvaluationJobResult>());
    const byArch = new Map(values.map((v) => [v.archId, v]));
    await parent.remove().catch(() => undefined);
    return archs.map((arch) => {
      const found = byArch.get(archHash(arch));
      if (!found) throw new Error(`generation ${generation}: no evaluation came back for ${archHash(arch)}`);
      return { accuracy: found.accuracy, macs: found.macs, params: found.params };
    });
  }

  return {
    evaluate: run,
    workers: () => evaluations.getWorkersCount(),
    async close() {
      await Promise.all([flows.close(), generations.close(), evaluations.close()]);
    },
  };
}

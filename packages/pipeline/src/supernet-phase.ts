// Super-network training, resumable: continue from the checkpoint in the work directory when there is one, save one
// every `checkpointEverySteps` steps, at each epoch's end, and when aborted.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ImageSplit } from "@vitnas/datasets";
import type { NasSearch } from "@vitnas/formats";
import { hasCheckpoint, loadCheckpoint, Supernet, saveCheckpoint, Trainer, threadsFromEnv } from "@vitnas/supernet";
import { abortError, isAbortError } from "./abort";
import type { ProgressClock } from "./progress";

export async function trainSupernet(
  job: NasSearch,
  train: ImageSplit,
  dir: string,
  clock: ProgressClock,
  base: { backend: string },
  signal?: AbortSignal,
): Promise<{ trainer: Trainer; checkpoint: string; resumedAtStep: number }> {
  // Threads share each step's batch (NAS_THREADS); a checkpoint resumes with any count.
  const threads = threadsFromEnv(process.env, base.backend);
  const trainer = (await hasCheckpoint(dir))
    ? await loadCheckpoint(dir, train, { threads })
    : new Trainer(
        Supernet.create(job.space, {
          seed: job.seed,
          init: job.supernet.init,
          attentionWeights: job.supernet.attentionWeights,
          tokenWeights: job.supernet.tokenWeights,
        }),
        train,
        job.supernet,
        { seed: job.seed, threads },
      );
  const resumedAtStep = trainer.step;
  const every = job.supernet.checkpointEverySteps;
  const { totalSteps, stepsPerEpoch } = trainer.position;
  const report = (details: { message?: string; loss?: number; imagesPerSec?: number }) =>
    clock.report(trainer.step / totalSteps, {
      kind: "supernet-step",
      ...base,
      epoch: trainer.epoch,
      epochs: job.supernet.epochs,
      step: trainer.step,
      steps: totalSteps,
      ...details,
    });
  report({ message: resumedAtStep > 0 ? `resuming super-network training at step ${resumedAtStep}` : undefined });
  while (!trainer.done) {
    // Up to the next multiple of `every` or the end of the epoch, whichever comes first.
    const chunk = Math.min(every - (trainer.step % every), stepsPerEpoch - (trainer.step % stepsPerEpoch));
    try {
      await trainer.trainSteps(chunk, {
        signal,
        onStep: (s) => report({ loss: s.loss, imagesPerSec: Math.round(s.imagesPerSec) }),
      });
    } catch (err) {
      if (!isAbortError(err)) throw err;
      await saveCheckpoint(trainer, dir);
      throw abortError(`the search was aborted during super-network training (checkpoint at step ${trainer.step})`);
    }
    await saveCheckpoint(trainer, dir);
  }
  if (!(await hasCheckpoint(dir))) await saveCheckpoint(trainer, dir);
  // Training is over: its threads would only hold memory through the phases that follow.
  await trainer.parallel?.dispose();
  return { trainer, checkpoint: await checkpointId(dir), resumedAtStep };
}

/** Names trained weights by their step and the checksum the checkpoint manifest records for their tensors. */
export const checkpointName = (step: number, sha256: string): string => `step${step}-${sha256.slice(0, 16)}`;

async function checkpointId(dir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(dir, "checkpoint.json"), "utf8")) as {
    trainer: { step: number };
    tensors: { sha256: string };
  };
  return checkpointName(manifest.trainer.step, manifest.tensors.sha256);
}

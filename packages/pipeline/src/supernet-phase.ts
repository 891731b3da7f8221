// Super-network training, resumable: continue from the checkpoint in the work directory when there is one, save one
// every `checkpointEverySteps` steps, at each epoch's end, and when aborted.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ImageSplit } from "@vitnas/datasets";
import type { NasSearch, VitSpace } from "@vitnas/formats";
import {
  describeShrink,
  hasCheckpoint,
  loadCheckpoint,
  Supernet,
  saveCheckpoint,
  shrinkAttention,
  Trainer,
  threadsFromEnv,
} from "@vitnas/supernet";
import { abortError, isAbortError } from "./abort";
import type { ProgressClock } from "./progress";

export async function trainSupernet(
  job: NasSearch,
  train: ImageSplit,
  /** The validation split: space shrinking scores attention types on it. */
  val: ImageSplit,
  dir: string,
  clock: ProgressClock,
  base: { backend: string },
  signal?: AbortSignal,
): Promise<{ trainer: Trainer; checkpoint: string; resumedAtStep: number; searchSpace: VitSpace }> {
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
    const shrink = job.supernet.attentionShrink;
    // Chunks end at epoch ends, so the shrink runs on the weights of exactly `epoch` epochs; a resume from a
    // checkpoint saved just before it makes the same decision again.
    if (shrink && !trainer.sampler.narrowed && trainer.step >= shrink.epoch * stepsPerEpoch) {
      report({ message: `scoring attention types after epoch ${shrink.epoch}` });
      const record = await shrinkAttention(trainer, val, shrink);
      report({ message: describeShrink(record) });
    }
    await saveCheckpoint(trainer, dir);
  }
  if (!(await hasCheckpoint(dir))) await saveCheckpoint(trainer, dir);
  // Training is over: its threads would only hold memory through the phases that follow.
  await trainer.parallel?.dispose();
  // A shrunk super-network trained only the kept types from the shrink on: the search searches those.
  return { trainer, checkpoint: await checkpointId(dir), resumedAtStep, searchSpace: trainer.sampler.drawSpace };
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

// Train once, search many (Once-for-All's promise; docs/supernet-reuse.md): a search may skip training and search on a
// super-network another search trained, loaded read-only from that search's checkpoint. A search that trains its own
// describes it when training ends (the accuracy of its largest and smallest sub-networks), so it can be recorded.
import type { ImageSplit } from "@vitnas/datasets";
import { archHash, countArch, type NasSearch, spaceHash, supernetRecipeHash, type VitSpace } from "@vitnas/formats";
import { evaluateOnce, FileEvaluationCache } from "@vitnas/search";
import {
  Evaluator,
  largestSubnet,
  loadSupernet,
  narrowSpace,
  type ShrinkRecord,
  type Supernet,
  smallestSubnet,
} from "@vitnas/supernet";
import type { ProgressClock } from "./progress";
import { checkpointName } from "./supernet-phase";
import type { ReusableSupernet, SubnetFigures, TrainedSupernet } from "./supernet-records";

/**
 * The first of `offered` this search may search on, or undefined to train. A search that has started training its
 * own (a checkpoint in its work directory) keeps training it, so a resumed search never changes weights midway.
 */
export function pickReusable(
  offered: readonly ReusableSupernet[] | undefined,
  fingerprint: string,
  ownCheckpoint: boolean,
): ReusableSupernet | undefined {
  if (ownCheckpoint || !offered) return undefined;
  return offered.find((s) => s.anyData || s.datasetFingerprint === undefined || s.datasetFingerprint === fingerprint);
}

/** Loads the chosen super-network after checking it was trained on this job's space. */
export async function loadReused(
  job: NasSearch,
  chosen: ReusableSupernet,
  fingerprint: string,
  clock: ProgressClock,
  base: { backend: string },
): Promise<{ supernet: Supernet; checkpoint: string; searchSpace: VitSpace; shrink?: ShrinkRecord }> {
  const { supernet, step, sha256, attention, shrink } = await loadSupernet(chosen.dir).catch((err: Error) => {
    throw new Error(`supernet.from: super-network ${chosen.id} cannot be loaded: ${err.message}`);
  });
  const theirs = spaceHash(supernet.space);
  const ours = spaceHash(job.space);
  if (theirs !== ours) {
    supernet.dispose();
    throw new Error(
      `supernet.from: super-network ${chosen.id} was trained on another space (${theirs}, this job's is ${ours}); ` +
        "a search can only search on a super-network of its own space",
    );
  }
  const otherData =
    chosen.datasetFingerprint !== undefined && chosen.datasetFingerprint !== fingerprint
      ? ` (trained on other data: ${chosen.datasetFingerprint}, this search's is ${fingerprint})`
      : "";
  clock.report(1, {
    kind: "supernet-reused",
    ...base,
    step,
    steps: step,
    message: `searching on super-network ${chosen.id}, trained ${step} steps, without training${otherData}`,
  });
  // Shrunk, it trained only its kept attention types from the shrink on: the search searches those.
  return {
    supernet,
    checkpoint: checkpointName(step, sha256),
    searchSpace: narrowSpace(job.space, attention),
    ...(shrink ? { shrink } : {}),
  };
}

/**
 * The trained super-network's identity and the accuracy of its largest and smallest sub-networks on the validation
 * split, through the evaluation cache (a resumed search does not evaluate them again).
 */
export async function describeTrained(
  job: NasSearch,
  supernet: Supernet,
  val: ImageSplit & { fingerprint: string },
  checkpoint: string,
  evaluations: string,
  /** What it trained: the job's space, or after space shrinking its kept attention types. */
  searchSpace: VitSpace = job.space,
): Promise<TrainedSupernet> {
  const cache = await FileEvaluationCache.open(evaluations);
  const evaluator = new Evaluator(supernet, val);
  const figures = async (arch: ReturnType<typeof largestSubnet>): Promise<SubnetFigures> => {
    const id = archHash(arch);
    const { evaluation } = await evaluateOnce(cache, { archId: id, checkpoint, split: val.fingerprint }, async () => {
      const { macs, params } = countArch(arch);
      return { accuracy: await evaluator.accuracy(arch), macs, params };
    });
    return { id, accuracy: evaluation.accuracy, macs: evaluation.macs };
  };
  try {
    return {
      checkpoint,
      spaceHash: spaceHash(job.space),
      recipeHash: supernetRecipeHash(job),
      datasetFingerprint: val.fingerprint,
      epochs: job.supernet.epochs,
      // The sandwich rule's extremes of what it trained (a type shrinking dropped would describe untrained weights).
      largest: await figures(largestSubnet(searchSpace)),
      smallest: await figures(smallestSubnet(searchSpace)),
    };
  } finally {
    evaluator.dispose();
  }
}

// What a nas-search/v1 job will cost, estimated from the job alone (no file is read), so a service can refuse jobs
// that cannot finish before queueing them. Upper bounds where the job leaves a choice open: every training step
// is priced at the space's largest sub-network, every evaluation at the largest a candidate may be.
import { countArch } from "./counter";
import { SHRINK_ARCHS, SHRINK_IMAGES } from "./schema";
import { largestArch } from "./semantics";
import type { DatasetSpec, NasSearch } from "./types";

/** Image counts of the three splits; null where they are known only once the files are read. */
export interface SplitCounts {
  train: number | null;
  val: number | null;
  test: number | null;
}

export interface JobEstimate {
  images: SplitCounts;
  /** MACs of one forward pass of the space's largest sub-network. */
  largestMacs: number;
  /** MACs of the largest candidate the search may evaluate: largestMacs, or less under a MACs maximum. */
  candidateMacs: number;
  /**
   * Training images x epochs x largest MACs x the passes per image (supernetPasses), plus the final phase's
   * trainings: top x its training images x its epochs x candidateMacs x 3.
   */
  trainingMacs: number | null;
  /**
   * Forward-pass equivalents per training image in a super-network step: 3 (forward and backward) for each
   * sub-network that reads the image (all of a step's with `archBatch: "whole"`, one with `"split"`), plus 1 for
   * the teacher's forward pass of in-place distillation.
   */
  supernetPasses: number;
  /** Candidate evaluations of the search: population x (generations + 1). */
  evaluations: number;
  /**
   * Sub-network evaluations of space shrinking (supernet.attentionShrink): its paired sub-networks x every attention
   * type of every stage; 0 without it.
   */
  shrinkEvaluations: number;
  /**
   * Evaluations x validation images x candidateMacs, plus shrinkEvaluations x its images (at most the validation
   * split) x largestMacs.
   */
  evaluationMacs: number | null;
  /** Every split held as float32: images x imageSize^2 x channels x 4 bytes. */
  datasetBytes: number | null;
  /** Counts that were assumed rather than stated, in words. */
  assumptions: string[];
}

// Sizes of the datasets whose counts the job need not state: they bound what a reader can load.
const CIFAR10_TRAIN = 50_000;
const CIFAR10_TEST = 10_000;
const MNIST_TRAIN = 60_000;
const MNIST_TEST = 10_000;

function splitCounts(dataset: DatasetSpec): { images: SplitCounts; assumptions: string[] } {
  switch (dataset.kind) {
    case "synthetic":
      return { images: { train: dataset.train, val: dataset.val, test: dataset.test }, assumptions: [] };
    case "cifar10":
      // val comes out of the 50,000 training images; the test split is test_batch.bin, or held out of the rest.
      return {
        images: { train: dataset.train ?? CIFAR10_TRAIN - dataset.val, val: dataset.val, test: CIFAR10_TEST },
        assumptions: [
          `cifar10: ${CIFAR10_TRAIN} training and ${CIFAR10_TEST} test images (the dataset's sizes)` +
            (dataset.train === undefined ? "" : `, of which dataset.train = ${dataset.train} are trained on`),
        ],
      };
    case "idx": {
      const assumed: string[] = [];
      if (dataset.train === undefined) assumed.push(`${MNIST_TRAIN} training images`);
      if (dataset.test === undefined) assumed.push(`${MNIST_TEST} test images`);
      return {
        images: {
          train: dataset.train ?? MNIST_TRAIN - dataset.val,
          val: dataset.val,
          test: dataset.test ?? MNIST_TEST,
        },
        assumptions: assumed.length
          ? [`idx: ${assumed.join(" and ")} assumed (the MNIST family's sizes); state dataset.train/test if larger`]
          : [],
      };
    }
    case "folder":
      return {
        images: { train: null, val: null, test: null },
        assumptions: ["folder: image counts are known only when the worker reads dataset.path; not estimated"],
      };
    case "cifar100":
      return {
        images: { train: dataset.train ?? CIFAR10_TRAIN - dataset.val, val: dataset.val, test: CIFAR10_TEST },
        assumptions: [`cifar100: ${CIFAR10_TRAIN} training and ${CIFAR10_TEST} test images (the dataset's sizes)`],
      };
    case "npz":
      return dataset.train !== undefined && dataset.test !== undefined
        ? { images: { train: dataset.train, val: dataset.val, test: dataset.test }, assumptions: [] }
        : {
            images: { train: null, val: null, test: null },
            assumptions: ["npz: image counts are known only when the arrays are read; state dataset.train and test"],
          };
    case "uploaded":
      return {
        images: { train: null, val: null, test: null },
        assumptions: ["uploaded: image counts were checked at upload (GET /v1/datasets/:id); not estimated here"],
      };
  }
}

const times = (...factors: (number | null)[]) =>
  factors.some((f) => f === null) ? null : factors.reduce<number>((a, b) => a * b!, 1);

const plus = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

/** Forward-pass equivalents per training image of a super-network step (the trainer's step, docs/training-recipe.md). */
export function supernetPasses(supernet: NasSearch["supernet"]): number {
  const count = Math.min(supernet.archsPerStep, supernet.batchSize);
  // The sandwich rule (from 3 sub-networks) with distillation runs the largest once more on the others' images,
  // without a backward pass: at most one forward pass per image.
  const teacher = supernet.sandwich && supernet.distill && count >= 3 ? 1 : 0;
  return 3 * (supernet.archBatch === "whole" ? count : 1) + teacher;
}

export function estimateJob(job: NasSearch): JobEstimate {
  const { images, assumptions } = splitCounts(job.dataset);
  const largestMacs = countArch(largestArch(job.space)).macs;
  // Candidates are shrunk to the MACs maximum, so none costs more to evaluate than that.
  const candidateMacs = Math.min(largestMacs, job.search.constraints.macs?.max ?? Number.POSITIVE_INFINITY);
  const evaluations = job.search.population * (job.search.generations + 1);
  const { imageSize, channels } = job.space.input;
  const { train, val, test } = images;
  const all = train === null || val === null || test === null ? null : train + val + test;
  const passes = supernetPasses(job.supernet);
  const shrink = job.supernet.attentionShrink;
  const types = job.space.stages.reduce((n, stage) => n + stage.attention.length, 0);
  const shrinkEvaluations = shrink ? (shrink.archs ?? SHRINK_ARCHS) * types : 0;
  const shrinkImages = val === null ? null : Math.min(shrink?.images ?? SHRINK_IMAGES, val);
  return {
    images,
    largestMacs,
    candidateMacs,
    supernetPasses: passes,
    trainingMacs: plus(
      times(images.train, job.supernet.epochs, largestMacs, passes),
      job.final.top === 0
        ? 0
        : times(
            job.final.top,
            job.final.trainOnVal
              ? plus(job.final.train ?? images.train, images.val)
              : (job.final.train ?? images.train),
            job.final.epochs,
            candidateMacs,
            3,
          ),
    ),
    evaluations,
    shrinkEvaluations,
    evaluationMacs: plus(times(evaluations, val, candidateMacs), times(shrinkEvaluations, shrinkImages, largestMacs)),
    datasetBytes: times(all, imageSize * imageSize * channels * 4),
    assumptions,
  };
}

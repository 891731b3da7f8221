// Space shrinking over attention types (docs/training-recipe.md, "Fewer attention types after two epochs"): a super-network
// that trains eight attention types in every block trains each one an eighth of the time, and its inherited
// accuracy stays far below the same architectures trained alone, where a space with one type does not. After
// `epoch` epochs each stage's types are scored with the weights trained so far and only the `keep` best go on
// being trained and searched (the idea of progressive space shrinking: PCNAS, AutoFormer's S3).
import type { ImageSplit } from "@vitnas/datasets";
import {
  type AttentionShrinkSpec,
  type AttentionSpec,
  countArch,
  SHRINK_ARCHS,
  SHRINK_IMAGES,
  type VitArch,
} from "@vitnas/formats";
import { Evaluator } from "./evaluate";
import { ArchSampler } from "./sampler";
import type { Trainer } from "./trainer";

export interface TypeScore {
  type: AttentionSpec;
  /** Mean inherited accuracy of the scoring sub-networks with every block of the stage of this type. */
  accuracy: number;
  /** Their mean MACs. */
  macs: number;
  kept: boolean;
}

/** What a shrink decided: the scores per stage (in the space's order of types) and when. */
export interface ShrinkRecord {
  step: number;
  epoch: number;
  stages: TypeScore[][];
}

/**
 * Which of a stage's types to keep, given each one's mean accuracy and MACs: the types no other beats on both
 * (the stage's own accuracy/MACs front) come first, and of them the most accurate and the cheapest, so the kept
 * types still span the front's range of cost; then the rest of that front, then the dominated, each by accuracy.
 */
export function chooseTypes(scores: readonly { accuracy: number; macs: number }[], keep: number): boolean[] {
  const n = scores.length;
  if (keep >= n) return scores.map(() => true);
  const dominated = scores.map((a, i) =>
    scores.some(
      (b, j) => j !== i && b.accuracy >= a.accuracy && b.macs <= a.macs && (b.accuracy > a.accuracy || b.macs < a.macs),
    ),
  );
  const byAccuracy = (i: number, j: number) => scores[j]!.accuracy - scores[i]!.accuracy || i - j;
  const front = [...Array(n).keys()].filter((i) => !dominated[i]).sort(byAccuracy);
  const rest = [...Array(n).keys()].filter((i) => dominated[i]).sort(byAccuracy);
  const cheapest = front.reduce((c, i) => (scores[i]!.macs < scores[c]!.macs ? i : c), front[0]!);
  const order = keep >= 2 ? [front[0]!, ...(cheapest === front[0] ? [] : [cheapest])] : [front[0]!];
  for (const i of [...front, ...rest]) if (!order.includes(i)) order.push(i);
  const kept = new Set(order.slice(0, keep));
  return scores.map((_, i) => kept.has(i));
}

/** `arch` with every block of stage `s` running `type`. */
function withStageType(arch: VitArch, s: number, type: AttentionSpec): VitArch {
  return {
    ...arch,
    stages: arch.stages.map((stage, i) =>
      i === s ? { ...stage, blocks: stage.blocks.map((b) => ({ ...b, attention: type })) } : stage,
    ),
  };
}

/**
 * Scores every attention type of every stage on the trainer's super-network as it stands and narrows its sampler to
 * the kept ones. Paired: the same `archs` sub-networks (drawn as training draws them, from their own seed) are
 * evaluated once per type with that stage's every block set to it, on the first `images` of `val`, so the types of
 * a stage differ only in the type. Deterministic for a given checkpoint, so a resume that lost the decision makes it
 * again.
 */
export async function shrinkAttention(
  trainer: Trainer,
  val: ImageSplit,
  spec: AttentionShrinkSpec,
): Promise<ShrinkRecord> {
  const { supernet } = trainer;
  const { space } = supernet;
  const epoch = trainer.epoch;
  const draw = new ArchSampler(space, trainer.options.seed ^ 0x5b1e, trainer.config.candidateWarmupEpochs);
  const bases = Array.from({ length: spec.archs ?? SHRINK_ARCHS }, () => draw.sample(epoch));
  const evaluator = new Evaluator(supernet, val, { limit: spec.images ?? SHRINK_IMAGES });
  const stages: TypeScore[][] = [];
  try {
    for (const [s, stage] of space.stages.entries()) {
      const scores: TypeScore[] = [];
      for (const type of stage.attention) {
        let accuracy = 0;
        let macs = 0;
        for (const base of bases) {
          const arch = withStageType(base, s, type);
          accuracy += await evaluator.accuracy(arch);
          macs += countArch(arch).macs;
        }
        scores.push({ type, accuracy: accuracy / bases.length, macs: macs / bases.length, kept: true });
      }
      const kept = chooseTypes(scores, spec.keep);
      stages.push(scores.map((score, i) => ({ ...score, kept: kept[i]! })));
    }
  } finally {
    evaluator.dispose();
  }
  trainer.sampler.narrow(stages.map((scores) => scores.filter((t) => t.kept).map((t) => t.type)));
  const record = { step: trainer.step, epoch, stages };
  trainer.shrink = record;
  return record;
}

/** One line per stage: the kept types with their scores, then the dropped ones. */
export function describeShrink(record: ShrinkRecord): string {
  const name = (t: TypeScore) => `${t.type.type} ${t.accuracy.toFixed(3)}`;
  return record.stages
    .map((scores, s) => {
      const kept = scores.filter((t) => t.kept).map(name);
      const dropped = scores.filter((t) => !t.kept).map(name);
      return `stage ${s + 1} keeps ${kept.join(", ")}${dropped.length ? `; drops ${dropped.join(", ")}` : ""}`;
    })
    .join("; ");
}

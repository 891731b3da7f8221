// Semantic checks on complete documents: what the schema cannot say (shapes that must fit, widths that must grow,
// a dataset that must match the space). Every problem is reported, each with the path of the field to change.
import { countArch, countBlock, stageGeometry } from "./counter";
import { blockIndex } from "./depth";
import { isRotary, rotaryMultiple } from "./position";
import { halvesGrid } from "./reduction";
import { outsideSpace } from "./space/membership";
import type {
  AttentionSpec,
  BoundsSpec,
  InputSpec,
  NasSearch,
  ReductionKind,
  StemSpec,
  ValidationIssue,
  VitArch,
  VitSpace,
} from "./types";

type Report = (path: string, message: string) => void;

/** Largest attention width `heads * headDim` a block may have. */
export const MAX_ATTENTION_WIDTH = 16_384;

const convOut = (size: number, kernel: number, stride: number, padding: number) =>
  Math.floor((size + 2 * padding - kernel) / stride) + 1;

/** Checks the stem and returns the side of the patch-token grid it makes (0 when it does not fit). */
function checkStem(input: InputSpec, stem: StemSpec, report: Report): number {
  let size = input.imageSize;
  let channels = input.channels;
  const conv = (path: string, c: { kernel: number; stride: number; padding: number; out?: number }) => {
    if (c.padding >= c.kernel) report(`${path}.padding`, `must be < kernel (${c.kernel})`);
    const out = convOut(size, c.kernel, c.stride, c.padding);
    if (out < 1) {
      report(
        `${path}.kernel`,
        `${c.kernel} (padding ${c.padding}) does not fit the ${size}x${size} image it is applied to`,
      );
      return false;
    }
    size = out;
    if (c.out !== undefined) channels = c.out;
    return true;
  };
  for (let i = 0; i < stem.convs.length; i++) {
    const entry = stem.convs[i]!;
    if ("residual" in entry) {
      const [inSize, inChannels] = [size, channels];
      for (let j = 0; j < entry.residual.length; j++) {
        if (!conv(`stem.convs[${i}].residual[${j}]`, entry.residual[j]!)) return 0;
      }
      if (size !== inSize || channels !== inChannels) {
        report(
          `stem.convs[${i}].residual`,
          `must keep its input's ${inSize}x${inSize}x${inChannels} shape to be added back, but makes ${size}x${size}x${channels}`,
        );
        return 0;
      }
    } else if (!conv(`stem.convs[${i}]`, entry)) return 0;
  }
  return conv("stem.patch", stem.patch) ? size : 0;
}

const ODD_KERNEL = "must be odd, so the conv along the tokens keeps their number";

function checkAttention(path: string, attention: AttentionSpec, report: Report) {
  if ((attention.type === "nystrom" || attention.type === "castling") && attention.convKernel % 2 === 0) {
    report(`${path}.convKernel`, ODD_KERNEL);
  }
}

function checkRope(path: string, headDim: number, position: VitArch["position"], report: Report) {
  // Rotary embeddings turn channel pairs: 2-D rope half of them by the row, half by the column (position.ts).
  const multiple = rotaryMultiple(position);
  if (isRotary(position) && headDim % multiple !== 0) {
    report(path, `must be a multiple of ${multiple} with ${position} positions (is ${headDim})`);
  }
}

function checkCountable(arch: VitArch, path: string, report: Report) {
  const { macs, params } = countArch(arch);
  if (!Number.isSafeInteger(macs) || !Number.isSafeInteger(params)) {
    report(path, "is too large to count its MACs and parameters exactly");
  }
}

export function archIssues(arch: VitArch): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const report: Report = (path, message) => issues.push({ path, message });
  let grid = checkStem(arch.input, arch.stem, report);
  for (let i = 0; i < arch.stages.length; i++) {
    const stage = arch.stages[i]!;
    const at = `stages[${i}]`;
    if (i > 0) {
      const before = arch.stages[i - 1]!.width;
      if (stage.width < before) {
        report(`${at}.width`, `must be >= ${before}, the width of stage ${i - 1} (a stage can only widen)`);
      }
      if (halvesGrid(stage.reduction) && grid > 0) {
        if (grid % 2 !== 0) {
          report(
            `${at}.reduction`,
            `${stage.reduction} needs an even token grid, but stage ${i - 1} has ${grid}x${grid} tokens`,
          );
          grid = 0;
        } else grid /= 2;
      }
    }
    checkRope(`${at}.headDim`, stage.headDim, arch.position, report);
    for (let j = 0; j < stage.blocks.length; j++) {
      const block = stage.blocks[j]!;
      if (j > 0 && blockIndex(block, j) <= blockIndex(stage.blocks[j - 1]!, j - 1)) {
        report(
          `${at}.blocks[${j}].index`,
          `must be > ${blockIndex(stage.blocks[j - 1]!, j - 1)}, the place of the block before it ` +
            "(blocks keep their super-network order; an absent index is the block's place in the list)",
        );
      }
      if (block.heads * stage.headDim > MAX_ATTENTION_WIDTH) {
        report(
          `${at}.blocks[${j}].heads`,
          `${block.heads} heads of ${stage.headDim} make an attention width above ${MAX_ATTENTION_WIDTH}`,
        );
      }
      checkAttention(`${at}.blocks[${j}].attention`, block.attention, report);
    }
  }
  if (issues.length === 0) checkCountable(arch, "stages", report);
  return issues;
}

function checkDuplicates(path: string, values: unknown[], report: Report) {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const key = JSON.stringify(v);
    const first = seen.get(key);
    if (first !== undefined) report(`${path}[${i}]`, `repeats ${path}[${first}]`);
    else seen.set(key, i);
  });
}

export function spaceIssues(space: VitSpace): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const report: Report = (path, message) => issues.push({ path, message });
  const grid = checkStem(space.input, space.stem, report);
  checkDuplicates("position", space.position, report);
  // Smallest width each stage can have in some valid architecture, and the token grids it can see.
  let smallest = 0;
  let grids = new Set(grid > 0 ? [grid] : []);
  for (let i = 0; i < space.stages.length; i++) {
    const stage = space.stages[i]!;
    const at = `stages[${i}]`;
    for (const key of ["widths", "depth", "heads", "mlpHidden", "attention", "reduction"] as const) {
      checkDuplicates(`${at}.${key}`, stage[key], report);
    }
    checkDepthDrop(stage, at, report);
    const fits = stage.widths.filter((w) => w >= smallest);
    if (fits.length === 0) {
      report(
        `${at}.widths`,
        `needs a width >= ${smallest}, the smallest width stage ${i - 1} can have (a stage can only widen)`,
      );
    } else smallest = Math.min(...fits);
    if (i > 0 && grids.size > 0) {
      const next = new Set<number>();
      for (const g of grids) {
        if (stage.reduction.includes("none")) next.add(g);
        if (stage.reduction.some(halvesGrid) && g % 2 === 0) next.add(g / 2);
      }
      if (next.size === 0) {
        const sides = [...grids].map((g) => `${g}x${g}`).join(" or ");
        const kinds = stage.reduction.filter(halvesGrid).join(" and ");
        report(`${at}.reduction`, `${kinds} needs an even token grid, but stage ${i - 1} has ${sides} tokens`);
      } else grids = next;
    }
    for (const position of space.position) checkRope(`${at}.headDim`, stage.headDim, position, report);
    const widest = Math.max(...stage.heads) * stage.headDim;
    if (widest > MAX_ATTENTION_WIDTH) {
      report(
        `${at}.heads`,
        `${Math.max(...stage.heads)} heads of ${stage.headDim} make an attention width above ${MAX_ATTENTION_WIDTH}`,
      );
    }
    for (const [j, a] of stage.attention.entries()) checkAttention(`${at}.attention[${j}]`, a, report);
  }
  if (issues.length === 0) checkCountable(largestArch(space), "stages", report);
  return issues;
}

/**
 * depthDrop's places must be blocks the stage has, and every depth must be reachable by dropping only them: the
 * stage's largest depth D minus some of the listed places.
 */
function checkDepthDrop(stage: VitSpace["stages"][number], at: string, report: Report) {
  const drop = stage.depthDrop;
  if (!Array.isArray(drop)) return;
  const places = Math.max(...stage.depth);
  drop.forEach((place, k) => {
    if (place >= places) {
      report(`${at}.depthDrop[${k}]`, `must be < ${places}, the stage's largest depth (places count from 0)`);
    }
  });
  stage.depth.forEach((d, k) => {
    if (places - d > drop.length) {
      report(
        `${at}.depth[${k}]`,
        `${d} blocks means dropping ${places - d} of ${places}, but depthDrop lets only ${drop.length} go`,
      );
    }
  });
}

/**
 * The space's most expensive corner: largest of every choice, each stage's costliest attention for its token grid,
 * and the reductions that cost most on the whole architecture's count. Keeping the tokens usually costs most, but
 * not always: a halving conv costs itself and saves only the later blocks, so where those are few and cheap it
 * costs more than it saves (docs/model-conventions.md). Reductions couple the stages through their token grids, so
 * they are chosen stage by stage, pass after pass, until no change raises the count (as smallestArch lowers it).
 * Positions cost no MACs; `learned` has the most parameters.
 */
export function largestArch(space: VitSpace): VitArch {
  const build = (reductions: readonly ReductionKind[]): VitArch => {
    const arch: VitArch = {
      format: "vit-arch/v1",
      input: space.input,
      stem: space.stem,
      position: "learned",
      classToken: space.classToken,
      stages: space.stages.map((s, i) => ({
        width: Math.max(...s.widths),
        headDim: s.headDim,
        reduction: reductions[i]!,
        blocks: [],
      })),
    };
    // Blocks do not change the token grid, so the geometry is known before the blocks are chosen.
    const geometry = stageGeometry(arch);
    space.stages.forEach((s, i) => {
      const block = (attention: AttentionSpec) => ({
        heads: Math.max(...s.heads),
        mlpHidden: Math.max(...s.mlpHidden),
        attention,
      });
      const cost = (attention: AttentionSpec) => countBlock(block(attention), s.headDim, geometry[i]!).macs;
      const attention = s.attention.reduce((a, b) => (cost(b) > cost(a) ? b : a));
      arch.stages[i]!.blocks = Array.from({ length: Math.max(...s.depth) }, () => block(attention));
    });
    return arch;
  };
  // The first stage takes the stem's grid as it is; later ones start from keeping their tokens where they may.
  const reductions = space.stages.map(
    (s, i): ReductionKind => (i === 0 || s.reduction.includes("none") ? "none" : s.reduction[0]!),
  );
  let best = build(reductions);
  if (archIssues(best).length > 0) return best;
  let cost = countArch(best);
  for (let pass = 0; pass < MAX_REDUCTION_PASSES; pass++) {
    let raised = false;
    for (let i = 1; i < space.stages.length; i++) {
      for (const reduction of space.stages[i]!.reduction) {
        if (reduction === reductions[i]) continue;
        const candidate = build(reductions.with(i, reduction));
        if (archIssues(candidate).length > 0) continue;
        const count = countArch(candidate);
        if (count.macs < cost.macs || (count.macs === cost.macs && count.params <= cost.params)) continue;
        reductions[i] = reduction;
        best = candidate;
        cost = count;
        raised = true;
      }
    }
    if (!raised) break;
  }
  return best;
}

// Each pass can only raise the count; a few settle every space tried (stages rarely exceed four).
const MAX_REDUCTION_PASSES = 8;

function checkBounds(path: string, bounds: BoundsSpec | undefined, report: Report) {
  if (bounds?.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
    report(`${path}.min`, `must be <= max (${bounds.max})`);
  }
}

const CIFAR10 = { classes: 10, imageSize: 32, channels: 3, images: 50_000 };

export function jobIssues(job: NasSearch): ValidationIssue[] {
  const issues: ValidationIssue[] = spaceIssues(job.space).map((i) => ({ ...i, path: `space.${i.path}` }));
  const report: Report = (path, message) => issues.push({ path, message });
  const input = job.space.input;
  const dataset = job.dataset;
  const match = (path: string, value: number, key: keyof InputSpec) => {
    if (value !== input[key]) report(path, `must be ${input[key]}, the space's input ${key} (is ${value})`);
  };
  if (dataset.kind === "synthetic") {
    match("dataset.classes", dataset.classes, "classes");
    match("dataset.imageSize", dataset.imageSize, "imageSize");
    match("dataset.channels", dataset.channels, "channels");
  } else if (dataset.kind === "cifar10") {
    for (const key of ["classes", "imageSize", "channels"] as const) {
      if (input[key] !== CIFAR10[key]) {
        report(`space.input.${key}`, `must be ${CIFAR10[key]} for a cifar10 dataset (is ${input[key]})`);
      }
    }
    if (dataset.train !== undefined && dataset.train + dataset.val > CIFAR10.images) {
      report(
        "dataset.train",
        `${dataset.train} plus val ${dataset.val} exceed the ${CIFAR10.images} CIFAR-10 training images`,
      );
    }
  } else if (dataset.kind === "cifar100") {
    const classes = dataset.labels === "coarse" ? 20 : 100;
    for (const [key, want] of [
      ["classes", classes],
      ["imageSize", 32],
      ["channels", 3],
    ] as const) {
      if (input[key] !== want) {
        report(
          `space.input.${key}`,
          `must be ${want} for a cifar100 dataset with ${dataset.labels} labels (is ${input[key]})`,
        );
      }
    }
    if (dataset.train !== undefined && dataset.train + dataset.val > CIFAR10.images) {
      report(
        "dataset.train",
        `${dataset.train} plus val ${dataset.val} exceed the ${CIFAR10.images} CIFAR-100 training images`,
      );
    }
  } else if (dataset.kind === "uploaded") {
    // What the upload holds (classes, channels) is checked against the space when the service resolves its id.
    match("dataset.imageSize", dataset.imageSize, "imageSize");
  } else {
    match("dataset.imageSize", dataset.imageSize, "imageSize");
    // IDX images are grayscale: read as one channel, or replicated into three.
    if ((dataset.kind === "idx" || dataset.kind === "npz") && input.channels !== 1 && input.channels !== 3) {
      report("space.input.channels", `must be 1 or 3 for an ${dataset.kind} dataset (is ${input.channels})`);
    }
  }
  if (job.search.parents > job.search.population) {
    report("search.parents", `must be <= population (${job.search.population})`);
  }
  checkBounds("search.constraints.macs", job.search.constraints.macs, report);
  checkBounds("search.constraints.params", job.search.constraints.params, report);
  if (job.search.strategy === "resnas" && job.search.constraints.macs?.max === undefined) {
    report(
      "search.constraints.macs.max",
      'is required with search.strategy "resnas": its children are redrawn until their MACs are within ' +
        "[0.975, 1] x this maximum",
    );
  }
  if (job.search.latency.maxMs !== undefined && !job.search.latency.measure) {
    report("search.latency.maxMs", "needs search.latency.measure: true (the constraint is on measured latency)");
  }
  if (job.supernet.from !== undefined && job.supernet.reuse === "auto") {
    report("supernet.reuse", 'cannot be "auto" with supernet.from, which names the super-network to search on');
  }
  if (job.supernet.archsPerStep > job.supernet.batchSize) {
    report(
      "supernet.archsPerStep",
      `must be <= batchSize (${job.supernet.batchSize}): each sub-network trains on its own part of the batch`,
    );
  }
  if (job.supernet.attentionWarmupEpochs > 0 && job.supernet.attentionWarmupEpochs >= job.supernet.epochs) {
    report(
      "supernet.attentionWarmupEpochs",
      `must be < epochs (${job.supernet.epochs}): the other attention types train after the warm-up`,
    );
  }
  const shrink = job.supernet.attentionShrink;
  if (shrink && shrink.epoch >= job.supernet.epochs) {
    report(
      "supernet.attentionShrink.epoch",
      `must be < epochs (${job.supernet.epochs}): the kept attention types train after it`,
    );
  }
  if (shrink && shrink.epoch < job.supernet.attentionWarmupEpochs) {
    report(
      "supernet.attentionShrink.epoch",
      `must be >= attentionWarmupEpochs (${job.supernet.attentionWarmupEpochs}): types are scored once every one has trained`,
    );
  }
  if (job.final.train !== undefined && job.dataset.kind === "folder") {
    report("final.train", "a folder dataset takes no training-image count (its val is a fraction); leave it out");
  }
  for (const [i, arch] of job.baselines.archs.entries()) {
    const at = `baselines.archs[${i}]`;
    for (const issue of archIssues(arch)) report(`${at}.${issue.path}`, issue.message);
    for (const key of ["imageSize", "channels", "classes"] as const) {
      if (arch.input[key] !== input[key])
        report(`${at}.input.${key}`, `must be ${input[key]}, the space's (is ${arch.input[key]})`);
    }
    // Fine-tuning starts from inherited weights, which only an architecture of the space has.
    const outside = job.final.mode === "finetune" ? outsideSpace(job.space, arch) : undefined;
    if (outside) {
      report(at, `is outside the space (${outside}); fine-tuning needs inherited weights: set final.mode to "scratch"`);
    }
  }
  return issues;
}

// The searchable choices an architecture made, in the space's own terms: per stage its width, depth and reduction,
// and per block its heads, MLP size and attention type. Read from any architecture outline (a complete `VitArch`,
// or the few fields a database projection returns), so analyses need not load whole documents.

/** The fields of a `vit-arch/v1` document the choices are read from. */
export interface ArchOutline {
  position?: string;
  stages: readonly {
    width: number;
    reduction?: string;
    blocks: readonly { heads: number; mlpHidden: number; attention: string | { type: string } }[];
  }[];
}

/**
 * One option a choice took, with the share of the choice it accounts for: 1 for a stage-level choice (width,
 * depth, reduction, position); for a block-level choice (heads, MLP, attention) the share of the stage's blocks
 * that took it, so a stage of two softmax blocks and one fnet block is 2/3 softmax and 1/3 fnet.
 */
export interface ChoiceLevel {
  value: string | number;
  weight: number;
}

export type ArchChoices = Record<string, ChoiceLevel[]>;

export const attentionType = (attention: string | { type: string }): string =>
  typeof attention === "string" ? attention : attention.type;

/** Each value's share of the list. */
function shares(values: readonly (string | number)[]): ChoiceLevel[] {
  const counts = new Map<string | number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ value, weight: count / values.length }));
}

/**
 * The architecture's choices keyed `position`, `stages[i].width`, `stages[i].depth`, `stages[i].reduction` (not for
 * stage 0, whose reduction the model ignores), `stages[i].heads`, `stages[i].mlpHidden`, `stages[i].attention`.
 */
export function archChoices(arch: ArchOutline): ArchChoices {
  const choices: ArchChoices = {};
  if (arch.position !== undefined) choices.position = [{ value: arch.position, weight: 1 }];
  arch.stages.forEach((stage, i) => {
    const key = `stages[${i}]`;
    choices[`${key}.width`] = [{ value: stage.width, weight: 1 }];
    choices[`${key}.depth`] = [{ value: stage.blocks.length, weight: 1 }];
    if (i > 0 && stage.reduction !== undefined) choices[`${key}.reduction`] = [{ value: stage.reduction, weight: 1 }];
    if (stage.blocks.length === 0) return;
    choices[`${key}.heads`] = shares(stage.blocks.map((b) => b.heads));
    choices[`${key}.mlpHidden`] = shares(stage.blocks.map((b) => b.mlpHidden));
    choices[`${key}.attention`] = shares(stage.blocks.map((b) => attentionType(b.attention)));
  });
  return choices;
}

/** A stage in one row of numbers and names, for plots with one axis per stage property. */
export interface StageOutline {
  depth: number;
  width: number;
  /** Mean over the stage's blocks (they may differ). */
  heads: number;
  mlpHidden: number;
  /** The type most of the stage's blocks use (ties: the earliest block's); "none" for a stage without blocks. */
  attention: string;
  reduction: string;
}

export function stageOutline(stage: ArchOutline["stages"][number]): StageOutline {
  const blocks = stage.blocks;
  const mean = (f: (b: (typeof blocks)[number]) => number) =>
    blocks.length ? blocks.reduce((s, b) => s + f(b), 0) / blocks.length : 0;
  let attention = "none";
  let most = 0;
  for (const { value, weight } of shares(blocks.map((b) => attentionType(b.attention)))) {
    // `shares` lists values in order of first appearance, so a strict comparison keeps the earliest of a tie.
    if (weight > most) {
      most = weight;
      attention = String(value);
    }
  }
  return {
    depth: blocks.length,
    width: stage.width,
    heads: mean((b) => b.heads),
    mlpHidden: mean((b) => b.mlpHidden),
    attention,
    reduction: stage.reduction ?? "none",
  };
}

/** "stage 2 attention" for `stages[1].attention`: choice keys as people read them (stages counted from 1). */
export function choiceLabel(key: string): string {
  const match = /^stages\[(\d+)\]\.(\w+)$/.exec(key);
  if (!match) return key;
  const names: Record<string, string> = { mlpHidden: "MLP size" };
  return `stage ${Number(match[1]) + 1} ${names[match[2]!] ?? match[2]}`;
}

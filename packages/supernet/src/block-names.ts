// A transformer block's weight names, spelled here and nowhere else: plain strings that import nothing, so the
// attention types (attention/qkv.ts) can read their projections by name without importing block-weights.ts, which
// imports the attention registry (and so every attention type) to declare the weights. block-weights.ts re-exports
// them.

/** `s<i>.b<j>`: block j of stage i, the start of every weight name the block owns. */
export const blockPrefix = (stage: number, block: number) => `s${stage}.b${block}`;

/** Parses a block weight's name: its stage and block, then the rest. */
export const BLOCK_NAME = /^s(\d+)\.b(\d+)\./;

/** A block's own layers: the norms before attention and MLP, the MLP's two dense layers (`.w`/`.b`, `.g`/`.b`). */
export function blockLayers(block: string) {
  return { ln1: `${block}.ln1`, ln2: `${block}.ln2`, mlp1: `${block}.mlp1`, mlp2: `${block}.mlp2` };
}

/** The owner of one attention type's weights in a block: its projections with per-type weights, and its extras. */
export const typeOwner = (block: string, type: string) => `${block}.${type}`;

/**
 * The q/k/v and output projections of `owner`: a block (one set every type reads, and every standalone model) or one
 * attention type of a block (per-type weights). `qkv.w` is [D, 3, A] (q, k, v; the first A' of each are the heads
 * used), `proj` a dense layer [A, D].
 */
export function projectionNames(owner: string) {
  return {
    qkvW: `${owner}.qkv.w`,
    qkvB: `${owner}.qkv.b`,
    proj: `${owner}.proj`,
    projW: `${owner}.proj.w`,
    projB: `${owner}.proj.b`,
  };
}

/** Parses a block's projection name as a standalone model holds it: the block, then `qkv.w`, `proj.b` ... */
export const PROJECTION_NAME = /^(s\d+\.b\d+)\.((?:qkv|proj)\.[wb])$/;

/** Parses any layer weight of a block as a standalone model holds it (norms, projections, MLP): the block, then the rest. */
export const BLOCK_LAYER_NAME = /^(s\d+\.b\d+)\.((?:ln1|ln2|mlp1|mlp2|qkv|proj)\.[wbg])$/;

/** An attention type's own weight in a block (performer's features, linformer's projections ...). */
export const extraName = (block: string, type: string, name: string) => `${typeOwner(block, type)}.${name}`;

/**
 * The copy of a token-indexed weight for a `side` x `side` token grid (`tokenWeights: "per-grid"`):
 * `s1.b0.mixer.w1` -> `s1.b0.mixer.g4.w1`.
 */
export function gridName(name: string, side: number): string {
  const last = name.lastIndexOf(".");
  return `${name.slice(0, last)}.g${side}${name.slice(last)}`;
}

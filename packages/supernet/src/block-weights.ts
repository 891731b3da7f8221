// A transformer block's weights: their names (spelled in block-names.ts and nowhere else, re-exported here) and their
// declaration at the largest size (as stem.ts does for the stem). The super-network declares them (space.ts), a
// forward pass reads them (model.ts, attention/qkv.ts), rewiring permutes them (rewire.ts), and a standalone model's
// names are mapped onto the super-network's (space.ts's ownedName and placedName).
import type { AttentionSpec } from "@vitnas/formats";
import { attentionRegistry, type ExtraWeight } from "./attention";
import { blockLayers, extraName, gridName, projectionNames, typeOwner } from "./block-names";
import type { WeightSpec } from "./weights";

export {
  BLOCK_LAYER_NAME,
  BLOCK_NAME,
  blockLayers,
  blockPrefix,
  extraName,
  gridName,
  PROJECTION_NAME,
  projectionNames,
  typeOwner,
} from "./block-names";

/** A dense layer x [.., in] @ w [in, out] + b; `zeroBias` as PyTorch's attention output projection starts. */
export const linearWeights = (name: string, inDim: number, outDim: number, zeroBias = false): WeightSpec[] => [
  { name: `${name}.w`, shape: [inDim, outDim], init: { kind: "dense", fanIn: [0] }, trainable: true, decay: true },
  {
    name: `${name}.b`,
    shape: [outDim],
    init: zeroBias ? { kind: "zeros" } : { kind: "dense-bias", fanIn: inDim },
    trainable: true,
    decay: false,
  },
];
export const normWeights = (name: string, dim: number): WeightSpec[] => [
  { name: `${name}.g`, shape: [dim], init: { kind: "ones" }, trainable: true, decay: false },
  { name: `${name}.b`, shape: [dim], init: { kind: "zeros" }, trainable: true, decay: false },
];

export interface BlockDims {
  tokens: number;
  width: number;
  heads: number;
  headDim: number;
  mlpHidden: number;
  /**
   * The stage's token grids (side, and tokens with the class token), largest first, when token-indexed weights are
   * held once per grid (tokenWeights "per-grid" in a stage with more than one grid); absent: one copy at `tokens`.
   */
  grids?: { side: number; tokens: number }[];
}

/**
 * Every weight of one block of the super-network at its largest size: norms, the projections (`shared`: one set for
 * the block; `per-type`: one per attention type that has them), each type's extras, the MLP; with `per-type-block`
 * each attention type owns its norms, projections and MLP (single-path one-shot NAS's own weights per choice, for
 * the whole block rather than the attention alone).
 */
export function blockWeights(
  block: string,
  attention: AttentionSpec[],
  attentionWeights: "per-type" | "per-type-block" | "shared",
  dims: BlockDims,
): WeightSpec[] {
  const { width: d, heads, headDim, mlpHidden: m } = dims;
  const a = heads * headDim;
  const hasQkv = (type: string) => attentionRegistry[type as AttentionSpec["type"]].qkv;
  const extras = extraWeights(block, attention, { tokens: dims.tokens, width: d, heads, headDim }, dims.grids);
  const mlp = (layers: ReturnType<typeof blockLayers>) => [
    ...normWeights(layers.ln2, d),
    ...linearWeights(layers.mlp1, d, m),
    ...linearWeights(layers.mlp2, m, d),
  ];
  const types = [...new Set(attention.map((spec) => spec.type))];
  if (attentionWeights === "per-type-block") {
    // Each type's whole block under its owner's name, then every type's extras (already per type).
    const specs = types.flatMap((type) => {
      const owner = typeOwner(block, type);
      const layers = blockLayers(owner);
      return [...normWeights(layers.ln1, d), ...(hasQkv(type) ? projectionWeights(owner, d, a) : []), ...mlp(layers)];
    });
    return [...specs, ...extras];
  }
  const layers = blockLayers(block);
  const qkvTypes = types.filter(hasQkv);
  const owners =
    attentionWeights === "shared"
      ? qkvTypes.length > 0
        ? [block]
        : []
      : qkvTypes.map((type) => typeOwner(block, type));
  return [
    ...normWeights(layers.ln1, d),
    ...owners.flatMap((owner) => projectionWeights(owner, d, a)),
    ...extras,
    ...mlp(layers),
  ];
}

/** The q/k/v [D, 3, A] and output projection [A, D] of `owner` (a block, or one type of it). */
function projectionWeights(owner: string, d: number, a: number): WeightSpec[] {
  const names = projectionNames(owner);
  return [
    {
      name: names.qkvW,
      shape: [d, 3, a],
      init: { kind: "dense", fanIn: [0], xavier: true },
      trainable: true,
      decay: true,
    },
    { name: names.qkvB, shape: [3, a], init: { kind: "zeros" }, trainable: true, decay: false },
    ...linearWeights(names.proj, a, d, true),
  ];
}

/**
 * Each type's own weights, one set per type per block: the elementwise-largest shape over its candidates. With
 * `grids`, a token-indexed weight is held once per grid instead (gridName), each at that grid's token count: a row
 * of it then always means the same place on the same grid.
 */
function extraWeights(
  block: string,
  candidates: AttentionSpec[],
  dims: { tokens: number; width: number; heads: number; headDim: number },
  grids?: BlockDims["grids"],
) {
  const merged = new Map<string, WeightSpec>();
  const add = (name: string, extra: ExtraWeight, grid?: WeightSpec["grid"]) => {
    const seen = merged.get(name);
    const shape = seen ? seen.shape.map((x, i) => Math.max(x, extra.shape[i]!)) : extra.shape;
    const { tokenIndexed: _, ...spec } = extra;
    merged.set(name, { ...spec, name, shape, decay: extra.decay ?? false, ...(grid ? { grid } : {}) });
  };
  for (const spec of candidates) {
    const module = attentionRegistry[spec.type] as {
      extras(s: AttentionSpec, d: typeof dims): ExtraWeight[];
    };
    for (const extra of module.extras(spec, dims)) {
      if (!(grids && extra.tokenIndexed)) add(extraName(block, spec.type, extra.name), extra);
    }
    for (const { side, tokens } of grids ?? []) {
      for (const extra of module.extras(spec, { ...dims, tokens })) {
        if (!extra.tokenIndexed) continue;
        const of = extraName(block, spec.type, extra.name);
        add(gridName(of, side), extra, { of, side });
      }
    }
  }
  return [...merged.values()];
}

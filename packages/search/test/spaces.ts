// The evolution tests' two-stage space (four attention types then two, a reduction between) and search settings.
import { type SearchSpec, type VitSpace, validateSpace } from "@vitnas/formats";

/** A space document checked by the formats' validator (its errors thrown). */
export function space(doc: unknown): VitSpace {
  const r = validateSpace(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

export function twoStageSpace(options: { depthDrop?: "any"; reduction?: string[] } = {}): VitSpace {
  return space({
    format: "vit-space/v1",
    input: { imageSize: 32, channels: 3, classes: 10 },
    stem: { convs: [], patch: { kernel: 4, stride: 4 } },
    position: ["learned", "rope"],
    stages: [
      {
        widths: [32, 48, 64],
        headDim: 16,
        depth: [1, 2, 3],
        heads: [1, 2, 3],
        mlpHidden: [64, 96, 128],
        attention: ["softmax", "performer", "linformer", "xnorm"],
        ...(options.depthDrop ? { depthDrop: options.depthDrop } : {}),
      },
      {
        widths: [64, 96],
        headDim: 16,
        depth: [1, 2],
        heads: [2, 4],
        mlpHidden: [128, 192],
        attention: ["softmax", "castling"],
        reduction: options.reduction ?? ["residual", "none"],
      },
    ],
  });
}

/** Search settings: NSGA-II, no constraint, no latency measurement, unless overridden. */
export function searchSpec(over: Partial<SearchSpec> = {}): SearchSpec {
  return {
    population: 16,
    generations: 4,
    parents: 8,
    mutationProb: 0.3,
    crossoverProb: 0.5,
    constraints: {},
    strategy: "nsga2",
    latency: { measure: false, threads: 1, runs: 50 },
    ...over,
  };
}

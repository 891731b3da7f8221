// Architectures that compute the same function with the same weights get one canonical form and one id.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ATTENTION_COSTS, mixerHidden } from "../src/attention";
import { countArch, stageGeometry } from "../src/counter";
import { ATTENTION_TYPES } from "../src/schema";
import {
  archHash,
  canonicalArch,
  canonicalArchJson,
  canonicalJson,
  createRng,
  type Rng,
  randomIndex,
  sampleArch,
} from "../src/space";
import { UNUSED_HEAD_DIM, UNUSED_HEADS } from "../src/space/hash";
import type { AttentionSpec, VitArch } from "../src/types";
import { formatIssues, validateArch } from "../src/validate";
import { seedArb, spaceArb } from "./space-arbitrary";

const arch = (doc: unknown): VitArch => {
  const r = validateArch(doc);
  if (!r.ok) throw new Error(formatIssues(r.errors));
  return r.value;
};

/** An attention as an architecture writes it: a bare type name stands for its defaults. */
const attentionDoc = (attention: unknown) => (typeof attention === "string" ? { type: attention } : attention);

/** A two-stage architecture on 32x32 images (8x8 patch tokens plus the class token, then 4x4 plus it). */
function twoStages(
  first: { heads: number; attention: unknown }[],
  over: { headDim?: number; position?: string; second?: { heads: number; attention: unknown }[] } = {},
): VitArch {
  const blocks = (bs: { heads: number; attention: unknown }[]) =>
    bs.map(({ heads, attention }) => ({ heads, mlpHidden: 32, attention: attentionDoc(attention) }));
  return arch({
    format: "vit-arch/v1",
    input: { imageSize: 32, classes: 10 },
    stem: { patch: { kernel: 4, stride: 4 } },
    position: over.position ?? "learned",
    stages: [
      { width: 16, headDim: over.headDim ?? 8, blocks: blocks(first) },
      {
        width: 32,
        headDim: 8,
        reduction: "residual",
        blocks: blocks(over.second ?? [{ heads: 2, attention: "softmax" }]),
      },
    ],
  });
}

const hasQKV = (a: AttentionSpec) => ATTENTION_COSTS[a.type].projections;

function expectSameNetwork(a: VitArch, b: VitArch) {
  expect(archHash(b)).toBe(archHash(a));
  expect(canonicalJson(canonicalArch(b))).toBe(canonicalJson(canonicalArch(a)));
  expect(countArch(b)).toEqual(countArch(a));
}

describe("canonicalArch: equivalent architectures are one", () => {
  it("ignores the heads of fnet and mixer blocks, which have none", () => {
    for (const attention of ["fnet", "mixer", { type: "mixer", expansion: 2 }]) {
      const a = twoStages([{ heads: 1, attention }]);
      const b = twoStages([{ heads: 4, attention }]);
      expectSameNetwork(a, b);
      expect(canonicalArch(b).stages[0]!.blocks[0]!.heads).toBe(UNUSED_HEADS);
    }
    // Next to a softmax block of the same stage too.
    expectSameNetwork(
      twoStages([
        { heads: 2, attention: "softmax" },
        { heads: 3, attention: "fnet" },
      ]),
      twoStages([
        { heads: 2, attention: "softmax" },
        { heads: 7, attention: "fnet" },
      ]),
    );
  });

  it("keeps apart architectures that differ in a field the model uses", () => {
    const ids = (heads: number, attention: unknown) => archHash(twoStages([{ heads, attention }]));
    for (const attention of ["softmax", "performer", "linformer", "nystrom", "castling", "xnorm"]) {
      expect(ids(2, attention)).not.toBe(ids(3, attention));
    }
    expect(ids(2, "fnet")).not.toBe(ids(2, "mixer"));
    expect(ids(2, { type: "mixer", expansion: 0.5 })).not.toBe(ids(2, { type: "mixer", expansion: 1 }));
    expect(ids(2, { type: "linformer", k: 8 })).not.toBe(ids(2, { type: "linformer", k: 80 }));
    expect(ids(2, { type: "castling", convKernel: 9 })).not.toBe(ids(2, { type: "castling", convKernel: 201 }));
    expect(ids(2, { type: "nystrom", landmarks: 8 })).not.toBe(ids(2, { type: "nystrom", landmarks: 9 }));
    // Rotary positions rotate q and k: with a softmax block they matter.
    const softmax = [{ heads: 2, attention: "softmax" }];
    expect(archHash(twoStages(softmax, { position: "rope" }))).not.toBe(
      archHash(twoStages(softmax, { position: "none" })),
    );
    // The head dimension of a stage with a q/k/v block matters.
    expect(archHash(twoStages(softmax, { headDim: 4 }))).not.toBe(archHash(twoStages(softmax, { headDim: 8 })));
  });

  it("ignores the head dimension of a stage without q/k/v, and rotary positions when no block has q/k/v", () => {
    const fnet = [{ heads: 2, attention: "fnet" }];
    const a = twoStages(fnet, { headDim: 8 });
    expectSameNetwork(a, twoStages(fnet, { headDim: 64 }));
    expect(canonicalArch(a).stages[0]!.headDim).toBe(UNUSED_HEAD_DIM);
    expect(canonicalArch(a).stages[1]!.headDim).toBe(8);
    const headless = { second: [{ heads: 2, attention: "mixer" }] };
    const rope = twoStages(fnet, { ...headless, position: "rope" });
    expectSameNetwork(twoStages(fnet, { ...headless, position: "none" }), rope);
    expect(canonicalArch(rope).position).toBe("none");
    // Learned positions are weights: they always matter.
    expect(archHash(twoStages(fnet, { ...headless, position: "learned" }))).not.toBe(archHash(rope));
  });

  it("ignores nystrom landmarks beyond the tokens and mixer expansions giving the same hidden size", () => {
    // Stage 0 has 65 tokens: 65 landmarks and more are all 65.
    const nystrom = (landmarks: number) => twoStages([{ heads: 2, attention: { type: "nystrom", landmarks } }]);
    expectSameNetwork(nystrom(65), nystrom(66));
    expectSameNetwork(nystrom(65), nystrom(4096));
    expect(archHash(nystrom(64))).not.toBe(archHash(nystrom(65)));
    // floor(0.5 * 65) = floor(0.505 * 65) = 32, floor(0.52 * 65) = 33.
    const mixer = (expansion: number) => twoStages([{ heads: 2, attention: { type: "mixer", expansion } }]);
    expectSameNetwork(mixer(0.5), mixer(0.505));
    expect(archHash(mixer(0.5))).not.toBe(archHash(mixer(0.52)));
    // Any expansion below 2/65 has one hidden unit.
    expectSameNetwork(mixer(0.001), mixer(0.03));
  });

  it("rewrites only through fields the cost model of a type without q/k/v does not read", () => {
    const shape = { tokens: 65, width: 16, heads: 2, headDim: 8 };
    const other = { tokens: 65, width: 16, heads: 7, headDim: 40 };
    for (const type of ATTENTION_TYPES) {
      const cost = ATTENTION_COSTS[type];
      if (cost.projections) continue;
      const spec = arch({
        format: "vit-arch/v1",
        input: { imageSize: 32, classes: 10 },
        stem: { patch: { kernel: 4, stride: 4 } },
        stages: [{ width: 16, headDim: 8, blocks: [{ heads: 1, mlpHidden: 8, attention: { type } }] }],
      }).stages[0]!.blocks[0]!.attention;
      // biome-ignore lint/suspicious/noExplicitAny: the registry's entries are typed per attention type
      const c = cost as any;
      expect([c.macs(spec, other), c.params(spec, other)]).toEqual([c.macs(spec, shape), c.params(spec, shape)]);
    }
  });
});

/**
 * A rewrite of `a` that changes only what canonicalArch discards: heads of blocks and head dimensions of stages
 * without q/k/v, rope and none positions when no block has q/k/v, nystrom landmarks beyond the tokens, mixer
 * expansions with the same hidden size.
 */
function equivalentRewrite(a: VitArch, rng: Rng): VitArch {
  const b = structuredClone(a);
  const geometry = stageGeometry(a);
  if (!b.stages.some((s) => s.blocks.some((bl) => hasQKV(bl.attention))) && b.position !== "learned") {
    b.position = randomIndex(rng, 2) ? "rope" : "none";
  }
  b.stages.forEach((stage, i) => {
    if (!stage.blocks.some((bl) => hasQKV(bl.attention))) stage.headDim = 4 * (1 + randomIndex(rng, 16));
    const n = geometry[i]!.tokens;
    for (const block of stage.blocks) {
      const at = block.attention;
      if (!hasQKV(at)) block.heads = 1 + randomIndex(rng, 256);
      if (at.type === "nystrom" && at.landmarks >= n) at.landmarks = n + randomIndex(rng, 100);
      if (at.type === "mixer") {
        const h = mixerHidden(at.expansion, n);
        const expansion = (h + 0.05 + 0.9 * (randomIndex(rng, 1000) / 1000)) / n;
        if (mixerHidden(expansion, n) === h && expansion <= 64) at.expansion = expansion;
      }
    }
  });
  return b;
}

describe("canonicalArch properties", () => {
  it("is idempotent, valid, keeps the id and the MACs and parameters", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (s, seed) => {
        const rng = createRng(seed);
        for (let n = 0; n < 5; n++) {
          const a = sampleArch(s, rng);
          const c = canonicalArch(a);
          expect(canonicalJson(canonicalArch(c))).toBe(canonicalJson(c));
          expect(canonicalArchJson(a)).toBe(canonicalJson(c));
          const r = validateArch(c);
          expect(r.ok ? "" : formatIssues(r.errors)).toBe("");
          expect(archHash(c)).toBe(archHash(a));
          expect(countArch(c)).toEqual(countArch(a));
        }
      }),
      { numRuns: 60 },
    );
  });

  it("gives a rewrite through unused fields the id and the MACs and parameters of the original", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (s, seed) => {
        const rng = createRng(seed);
        const a = sampleArch(s, rng);
        const b = equivalentRewrite(a, rng);
        const r = validateArch(b);
        expect(r.ok ? "" : formatIssues(r.errors)).toBe("");
        expectSameNetwork(a, b);
      }),
      { numRuns: 150 },
    );
  });

  it("equal canonical ids imply equal MACs and parameters", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (s, seed) => {
        const rng = createRng(seed);
        const counts = new Map<string, string>();
        for (let n = 0; n < 40; n++) {
          const a = sampleArch(s, rng);
          const { macs, params } = countArch(a);
          const id = archHash(a);
          const seen = counts.get(id);
          if (seen !== undefined) expect(`${macs}/${params}`).toBe(seen);
          counts.set(id, `${macs}/${params}`);
        }
      }),
      { numRuns: 40 },
    );
  });
});

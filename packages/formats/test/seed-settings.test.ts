// The seed papers' settings (docs/seed-settings.md) in the formats: what validation accepts and rejects (naming the
// field), what the complete documents hold, how the counter counts them, and how the search-space operations treat
// depth that drops blocks other than the last.
import { describe, expect, it } from "vitest";
import {
  archHash,
  countArch,
  createRng,
  crossoverArch,
  mutateArch,
  outsideSpace,
  sampleArch,
  shrinkArch,
  spaceSize,
  type ValidationIssue,
  type VitArch,
  type VitArchInput,
  type VitSpace,
  validateArch,
  validateJob,
  validateSpace,
} from "../src";
import { fixture } from "./fixtures";

const issues = (r: { ok: boolean; errors?: ValidationIssue[] }) => (r.ok ? [] : r.errors!);
const valid = <T>(r: { ok: true; value: T } | { ok: false; errors: ValidationIssue[] }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
};

/** Two stages on 16 px images: 4x4 patch tokens, width 8 then 16. */
function arch(
  over: { position?: string; reduction?: string; attention?: unknown; blocks?: unknown[] } = {},
): VitArchInput {
  const attention = over.attention ?? { type: "softmax" };
  return {
    format: "vit-arch/v1",
    input: { imageSize: 16, channels: 3, classes: 4 },
    stem: { patch: { kernel: 4, stride: 4 } },
    position: over.position ?? "learned",
    classToken: true,
    stages: [
      { width: 8, headDim: 4, blocks: over.blocks ?? [{ heads: 2, mlpHidden: 16, attention }] },
      { width: 16, headDim: 4, reduction: over.reduction ?? "none", blocks: [{ heads: 2, mlpHidden: 16, attention }] },
    ],
  } as VitArchInput;
}

describe("1-D rotary positions", () => {
  it("are valid with an even head dimension, have no parameters, and become none without q/k/v", () => {
    const a = valid(validateArch(arch({ position: "rope1d" })));
    expect(a.position).toBe("rope1d");
    expect(countArch(a).params).toBe(countArch(valid(validateArch(arch({ position: "none" })))).params);
    const fnet = { type: "fnet" };
    expect(archHash(arch({ position: "rope1d", attention: fnet }))).toBe(
      archHash(arch({ position: "none", attention: fnet })),
    );
    expect(archHash(arch({ position: "rope1d" }))).not.toBe(archHash(arch({ position: "rope" })));
  });

  it("need an even head dimension (2-D rope needs a multiple of 4), named at the stage", () => {
    const odd = arch({ position: "rope1d" });
    odd.stages[0]!.headDim = 3;
    expect(issues(validateArch(odd))).toEqual([
      { path: "stages[0].headDim", message: "must be a multiple of 2 with rope1d positions (is 3)" },
    ]);
    const six = arch({ position: "rope1d" });
    six.stages[0]!.headDim = 6;
    expect(validateArch(six).ok).toBe(true);
    six.position = "rope";
    expect(issues(validateArch(six)).map((i) => i.path)).toEqual(["stages[0].headDim"]);
  });
});

describe("the conv reduction (the residual reduction without its skip)", () => {
  it("halves the grid and counts exactly what the residual reduction counts", () => {
    const conv = valid(validateArch(arch({ reduction: "conv" })));
    const residual = valid(validateArch(arch({ reduction: "residual" })));
    const c = countArch(conv);
    const r = countArch(residual);
    expect(c.stages[1]!.geometry).toEqual({ rows: 2, cols: 2, tokens: 5, width: 16 });
    expect(c.stages[1]!.reduction).toEqual(r.stages[1]!.reduction);
    // LayerNorm 2*8, conv 9*8*16 + 16, class-token Linear 8*16 + 16; the new positions 2*2*16.
    expect(c.stages[1]!.reduction).toEqual({
      macs: 4 * 16 * 9 * 8 + 8 * 16,
      params: 16 + 9 * 8 * 16 + 16 + 8 * 16 + 16,
    });
    expect(c.stages[1]!.position).toBe(4 * 16);
    expect([c.macs, c.params]).toEqual([r.macs, r.params]);
    expect(archHash(conv)).not.toBe(archHash(residual));
  });

  it("needs an even grid, in its own name", () => {
    const odd = arch({ reduction: "conv" });
    odd.input.imageSize = 12; // 3x3 patch tokens
    expect(issues(validateArch(odd))).toEqual([
      { path: "stages[1].reduction", message: "conv needs an even token grid, but stage 0 has 3x3 tokens" },
    ]);
  });
});

describe("linformer's shareKV", () => {
  const spec = (shareKV: unknown) => ({ type: "linformer", k: 4, shareKV });

  it('reads "projection" as true (one id), and "kv" drops the v projection and one E product', () => {
    const projection = valid(validateArch(arch({ attention: spec("projection") })));
    expect(projection.stages[0]!.blocks[0]!.attention).toEqual({ type: "linformer", k: 4, shareKV: true });
    expect(archHash(arch({ attention: spec("projection") }))).toBe(archHash(arch({ attention: spec(true) })));
    const shared = countArch(valid(validateArch(arch({ attention: spec(true) })))).stages[0]!.blocks[0]!;
    const kv = countArch(valid(validateArch(arch({ attention: spec("kv") })))).stages[0]!.blocks[0]!;
    const separate = countArch(valid(validateArch(arch({ attention: spec(false) })))).stages[0]!.blocks[0]!;
    // Stage 0: N = 17 tokens, D = 8, A = 2 * 4 = 8, k = 4. The v projection: D*A weights + A biases, N*D*A MACs.
    const [n, d, a, k] = [17, 8, 8, 4];
    expect(shared.params - kv.params).toBe(d * a + a);
    expect(shared.macs - kv.macs).toBe(n * d * a + n * k * a);
    expect(separate.params - shared.params).toBe(k * n);
    expect(separate.macs).toBe(shared.macs);
  });

  it("names the values it takes", () => {
    const message = 'must be one of true, false, "projection", "kv", not "both"';
    expect(issues(validateArch(arch({ attention: spec("both") })))).toEqual([
      { path: "stages[0].blocks[0].attention.shareKV", message },
      { path: "stages[1].blocks[0].attention.shareKV", message },
    ]);
  });
});

describe("mixer expansion 1", () => {
  it("is valid: N hidden units, as MLP-Mixer's token MLP N -> N -> N", () => {
    const a = valid(validateArch(arch({ attention: { type: "mixer", expansion: 1 } })));
    const block = countArch(a).stages[0]!.blocks[0]!;
    const [n, d, m] = [17, 8, 16];
    expect(block.params).toBe(4 * d + 2 * d * m + m + d + 2 * n * n + n + n);
    expect(block.macs).toBe(2 * n * d * m + 2 * n * n * d);
  });
});

describe("the castling branch schedule", () => {
  it("defaults to the falling weight until half of training; off and other fractions are valid", () => {
    const job = fixture("tiny-job");
    expect(valid(validateJob(job)).supernet.castlingBranch).toEqual({ until: 0.5 });
    job.supernet = { ...job.supernet, castlingBranch: "off" };
    expect(valid(validateJob(job)).supernet.castlingBranch).toBe("off");
    job.supernet.castlingBranch = { until: 0.25 };
    expect(valid(validateJob(job)).supernet.castlingBranch).toEqual({ until: 0.25 });
  });

  it("rejects a fraction outside (0, 1] and other words, naming the field", () => {
    const job = fixture("tiny-job");
    job.supernet = { ...job.supernet, castlingBranch: { until: 0 } };
    expect(issues(validateJob(job)).map((i) => i.path)).toEqual(["supernet.castlingBranch.until"]);
    job.supernet.castlingBranch = { until: 1.5 };
    expect(issues(validateJob(job)).map((i) => i.path)).toEqual(["supernet.castlingBranch.until"]);
    job.supernet.castlingBranch = "on";
    expect(issues(validateJob(job))).toEqual([
      { path: "supernet.castlingBranch", message: 'must be one of "off" or an object, not "on"' },
    ]);
  });
});

describe("search.strategy", () => {
  it("is nsga2 by default; resnas needs constraints.macs.max and says so at that field", () => {
    const job = fixture("tiny-job");
    delete job.search?.constraints;
    expect(valid(validateJob(job)).search.strategy).toBe("nsga2");
    job.search = { ...job.search, strategy: "resnas" };
    expect(issues(validateJob(job))).toEqual([
      {
        path: "search.constraints.macs.max",
        message:
          'is required with search.strategy "resnas": its children are redrawn until their MACs are within ' +
          "[0.975, 1] x this maximum",
      },
    ]);
    job.search.constraints = { macs: { min: 1000 } };
    expect(issues(validateJob(job)).map((i) => i.path)).toEqual(["search.constraints.macs.max"]);
    job.search.constraints = { macs: { max: 5e6 } };
    expect(valid(validateJob(job)).search.strategy).toBe("resnas");
    job.search.strategy = "random";
    expect(issues(validateJob(job)).map((i) => i.path)).toEqual(["search.strategy"]);
  });
});

/** A one-stage space of depth 2-4 on 16 px images; `depthDrop` as given. */
function space(depthDrop: unknown, depth = [2, 3, 4], choices: Record<string, unknown[]> = {}): VitSpace {
  return valid(
    validateSpace({
      format: "vit-space/v1",
      input: { imageSize: 16, channels: 3, classes: 4 },
      stem: { patch: { kernel: 4, stride: 4 } },
      classToken: true,
      stages: [
        {
          widths: [8, 16],
          headDim: 4,
          depth,
          heads: [1, 2],
          mlpHidden: [8, 16],
          attention: ["softmax", "xnorm"],
          ...choices,
          ...(depthDrop === undefined ? {} : { depthDrop }),
        },
      ],
    }),
  );
}

const places = (a: VitArch) => a.stages[0]!.blocks.map((b, j) => b.index ?? j);

describe("depthDrop and block.index", () => {
  it('is "last" by default: sub-networks keep the leading blocks and write no index', () => {
    const s = space(undefined);
    expect(s.stages[0]!.depthDrop).toBe("last");
    const rng = createRng(1);
    for (let i = 0; i < 50; i++) {
      const a = sampleArch(s, rng);
      expect(a.stages[0]!.blocks.every((b) => b.index === undefined)).toBe(true);
    }
  });

  it('"any": every place is kept and dropped, an index only where a block is not at its place in the list', () => {
    const s = space("any");
    const rng = createRng(2);
    const kept = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const a = sampleArch(s, rng);
      expect(validateArch(a).ok).toBe(true);
      expect(outsideSpace(s, a)).toBeUndefined();
      a.stages[0]!.blocks.forEach((b, j) => {
        expect(b.index === undefined).toBe((b.index ?? j) === j);
      });
      for (const p of places(a)) kept.set(p, (kept.get(p) ?? 0) + 1);
    }
    // Depth 2, 3 or 4 of 4 places, each kept with probability 3/4 over the depths: about 300 of 400.
    for (const p of [0, 1, 2, 3]) expect(kept.get(p)).toBeGreaterThan(240);
    expect(kept.get(3)).toBeLessThan(360);
  });

  it("a list drops only its places (ViT-ResNAS's every other block)", () => {
    const s = space([1, 3], [2, 3, 4]);
    const rng = createRng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const a = sampleArch(s, rng);
      expect(outsideSpace(s, a)).toBeUndefined();
      expect(places(a)).toContain(0);
      expect(places(a)).toContain(2);
      seen.add(places(a).join(","));
    }
    expect([...seen].sort()).toEqual(["0,1,2", "0,1,2,3", "0,2", "0,2,3"]);
    // Depth 3 has two placements instead of one: 2 widths x 8^3 more architectures (2 heads x 2 MLPs x 2 types).
    expect(spaceSize(s)).toBe(spaceSize(space("last")) + 2n * 8n ** 3n);
  });

  it("spaceSize counts the ways to place each depth", () => {
    // 2 widths x, per depth d of 4 places, C(4, 4 - d) placements of 8^d blocks (2 heads x 2 MLPs x 2 types).
    const widths = 2n;
    expect(spaceSize(space("any"))).toBe(widths * (6n * 8n ** 2n + 4n * 8n ** 3n + 8n ** 4n));
    expect(spaceSize(space("last"))).toBe(widths * (8n ** 2n + 8n ** 3n + 8n ** 4n));
  });

  it("validation names a place the stage lacks and a depth its places cannot reach", () => {
    const doc = (depthDrop: unknown, depth: number[]) =>
      validateSpace({
        format: "vit-space/v1",
        input: { imageSize: 16, channels: 3, classes: 4 },
        stem: { patch: { kernel: 4, stride: 4 } },
        stages: [{ widths: [8], headDim: 4, depth, heads: [1], mlpHidden: [8], attention: ["softmax"], depthDrop }],
      });
    expect(issues(doc([1, 4], [3, 4]))).toEqual([
      { path: "stages[0].depthDrop[1]", message: "must be < 4, the stage's largest depth (places count from 0)" },
    ]);
    expect(issues(doc([1], [2, 4]))).toEqual([
      { path: "stages[0].depth[0]", message: "2 blocks means dropping 2 of 4, but depthDrop lets only 1 go" },
    ]);
    expect(issues(doc("some", [2, 4])).map((i) => i.path)).toEqual(["stages[0].depthDrop"]);
  });

  it("an architecture's indices must increase along the stage", () => {
    const block = { heads: 2, mlpHidden: 16, attention: { type: "softmax" } };
    expect(validateArch(arch({ blocks: [block, { ...block, index: 3 }] })).ok).toBe(true);
    expect(issues(validateArch(arch({ blocks: [{ ...block, index: 2 }, block] })))).toEqual([
      {
        path: "stages[0].blocks[1].index",
        message:
          "must be > 2, the place of the block before it (blocks keep their super-network order; an absent index " +
          "is the block's place in the list)",
      },
    ]);
  });

  it("an index at the block's own place is the same architecture; another place is another", () => {
    const block = { heads: 2, mlpHidden: 16, attention: { type: "softmax" } };
    const plain = arch({ blocks: [block, block] });
    expect(
      archHash(
        arch({
          blocks: [
            { ...block, index: 0 },
            { ...block, index: 1 },
          ],
        }),
      ),
    ).toBe(archHash(plain));
    expect(archHash(arch({ blocks: [block, { ...block, index: 2 }] }))).not.toBe(archHash(plain));
    expect(
      archHash(
        arch({
          blocks: [
            { ...block, index: 0 },
            { ...block, index: 2 },
          ],
        }),
      ),
    ).toBe(archHash(arch({ blocks: [block, { ...block, index: 2 }] })));
  });

  it("membership: a last-only stage refuses an index, a list refuses dropping a place it does not list", () => {
    const a = sampleArch(space("any"), createRng(5));
    a.stages[0]!.blocks = a.stages[0]!.blocks.slice(0, 2).map((b, j) => ({ ...b, index: j === 0 ? 0 : 2 }));
    expect(outsideSpace(space("any"), a)).toBeUndefined();
    expect(outsideSpace(space("last"), a)).toBe(
      "stages[0].blocks[1].index: 2, but the stage drops only its last blocks",
    );
    expect(outsideSpace(space([1, 3]), a)).toBeUndefined();
    expect(outsideSpace(space([2, 3]), a)).toBe(
      "stages[0].blocks[1]: place 1 is dropped, which the space does not allow",
    );
  });

  it("mutation, crossover and shrinking keep the places inside the space, and move them", () => {
    for (const depthDrop of ["any", [1, 3]] as const) {
      const s = space(depthDrop);
      const rng = createRng(7);
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const a = sampleArch(s, rng);
        const b = sampleArch(s, rng);
        const m = mutateArch(s, a, 0.5, rng);
        const c = crossoverArch(s, a, b, 0.5, rng);
        for (const child of [m, c]) {
          expect(outsideSpace(s, child)).toBeUndefined();
          seen.add(places(child).join(","));
        }
        const max = countArch(a).macs * 0.8;
        try {
          const small = shrinkArch(s, a, { macs: { max } }, rng);
          expect(outsideSpace(s, small)).toBeUndefined();
          expect(countArch(small).macs).toBeLessThanOrEqual(max);
        } catch (err) {
          expect((err as Error).name).toBe("ConstraintError");
        }
      }
      expect(seen.size).toBe(depthDrop === "any" ? 11 : 4);
    }
  });

  it("shrinking drops the block the space lets go, a middle one", () => {
    // Depth is the only choice, so dropping is the only move; only place 1 may go.
    const s = space([1], [3, 4], { widths: [16], heads: [2], mlpHidden: [16], attention: ["softmax"] });
    const a = sampleArch(s, createRng(1));
    a.stages[0]!.blocks = [0, 1, 2, 3].map(() => ({ ...a.stages[0]!.blocks[0]!, index: undefined }));
    const small = shrinkArch(s, a, { macs: { max: countArch(a).macs - 1 } }, createRng(2));
    expect(places(small)).toEqual([0, 2, 3]);
    expect(small.stages[0]!.blocks.map((b) => b.index)).toEqual([undefined, 2, 3]);
  });
});

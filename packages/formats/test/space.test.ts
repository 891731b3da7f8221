import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { droppablePlaces, placeBlocks } from "../src/depth";
import {
  archHash,
  canonicalArch,
  canonicalArchJson,
  canonicalJson,
  createRng,
  crossoverArch,
  isInSpace,
  mutateArch,
  outsideSpace,
  restoreRng,
  sampleArch,
  spaceSize,
} from "../src/space";
import type { BlockSpec, VitArch, VitSpace } from "../src/types";
import { formatIssues, validateArch, validateSpace } from "../src/validate";
import { fixture } from "./fixtures";
import { seedArb, spaceArb } from "./space-arbitrary";

const space = (doc: unknown): VitSpace => {
  const r = validateSpace(doc);
  if (!r.ok) throw new Error(formatIssues(r.errors));
  return r.value;
};

function expectValidIn(s: VitSpace, arch: VitArch) {
  const r = validateArch(arch);
  expect(r.ok ? "" : formatIssues(r.errors)).toBe("");
  expect(outsideSpace(s, arch)).toBeUndefined();
}

/** Chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: Map<string, number>, categories: number): number {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const expected = total / categories;
  let stat = 0;
  for (const c of counts.values()) stat += (c - expected) ** 2 / expected;
  stat += (categories - counts.size) * expected; // categories never seen
  return stat;
}

/** Far in the tail of chi-square with k-1 degrees of freedom (mean k-1, sd sqrt(2(k-1))). */
const chiBound = (k: number) => k - 1 + 6 * Math.sqrt(2 * (k - 1));

function tally(map: Map<string, number>, key: unknown) {
  const k = JSON.stringify(key);
  map.set(k, (map.get(k) ?? 0) + 1);
}

describe("sampleArch, mutateArch, crossoverArch", () => {
  it("produce valid architectures inside the space", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, fc.double({ min: 0, max: 1, noNaN: true }), (s, seed, prob) => {
        const rng = createRng(seed);
        const a = sampleArch(s, rng);
        const b = sampleArch(s, rng);
        expectValidIn(s, a);
        expectValidIn(s, b);
        expectValidIn(s, mutateArch(s, a, prob, rng));
        expectValidIn(s, crossoverArch(s, a, b, prob, rng));
        expectValidIn(s, crossoverArch(s, mutateArch(s, b, 1, rng), a, prob, rng));
      }),
      { numRuns: 80 },
    );
  });

  it("keep a parent with probability 0 and take the other with probability 1", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (s, seed) => {
        const rng = createRng(seed);
        const a = sampleArch(s, rng);
        const b = sampleArch(s, rng);
        expect(archHash(mutateArch(s, a, 0, rng))).toBe(archHash(a));
        expect(archHash(crossoverArch(s, a, b, 0, rng))).toBe(archHash(a));
        expect(archHash(crossoverArch(s, a, b, 1, rng))).toBe(archHash(b));
      }),
      { numRuns: 40 },
    );
  });

  it("refuse an architecture with another number of stages than the space", () => {
    const s = space(fixture("tiny-space"));
    const rng = createRng(1);
    const a = sampleArch(s, rng);
    const short = { ...a, stages: a.stages.slice(0, 1) };
    expect(() => mutateArch(s, short, 0.5, rng)).toThrow(/mutateArch: the architecture has 1 stages, the space 2/);
    expect(() => crossoverArch(s, a, short, 0.5, rng)).toThrow(/crossoverArch: the architecture has 1 stages/);
  });

  it("are deterministic for a seed, and resume from a saved generator state", () => {
    const s = space(fixture("tiny-space"));
    const run = (rng: ReturnType<typeof createRng>) => {
      const a = sampleArch(s, rng);
      return [a, mutateArch(s, a, 0.5, rng), crossoverArch(s, a, sampleArch(s, rng), 0.5, rng)].map(archHash);
    };
    expect(run(createRng(5))).toEqual(run(createRng(5)));
    expect(run(createRng(5))).not.toEqual(run(createRng(6)));
    const rng = createRng(9);
    run(rng);
    const saved = [...rng.getState()];
    expect(run(restoreRng(saved))).toEqual(run(rng));
    const a = sampleArch(s, rng);
    const mutants = new Set(Array.from({ length: 50 }, () => archHash(mutateArch(s, a, 0.3, rng))));
    expect(mutants.size).toBeGreaterThan(40);
  });

  it("sample every candidate of every independent choice equally often", () => {
    const s = space(fixture("tiny-space"));
    const rng = createRng(11);
    const choices = new Map<string, Map<string, number>>();
    const at = (name: string) => choices.get(name) ?? choices.set(name, new Map()).get(name)!;
    for (let n = 0; n < 6000; n++) {
      const arch = sampleArch(s, rng);
      tally(at("position"), arch.position);
      arch.stages.forEach((stage, i) => {
        tally(at(`stages[${i}].width`), stage.width);
        tally(at(`stages[${i}].depth`), stage.blocks.length);
        if (i > 0) tally(at(`stages[${i}].reduction`), stage.reduction);
        stage.blocks.forEach((b: BlockSpec) => {
          tally(at(`stages[${i}].heads`), b.heads);
          tally(at(`stages[${i}].mlpHidden`), b.mlpHidden);
          tally(at(`stages[${i}].attention`), b.attention);
        });
      });
    }
    const expectedCategories: Record<string, number> = { position: s.position.length };
    s.stages.forEach((stage, i) => {
      expectedCategories[`stages[${i}].width`] = stage.widths.length;
      expectedCategories[`stages[${i}].depth`] = stage.depth.length;
      if (i > 0) expectedCategories[`stages[${i}].reduction`] = stage.reduction.length;
      expectedCategories[`stages[${i}].heads`] = stage.heads.length;
      expectedCategories[`stages[${i}].mlpHidden`] = stage.mlpHidden.length;
      expectedCategories[`stages[${i}].attention`] = stage.attention.length;
    });
    expect([...choices.keys()].sort()).toEqual(Object.keys(expectedCategories).sort());
    for (const [name, k] of Object.entries(expectedCategories)) {
      const counts = choices.get(name)!;
      expect(counts.size, name).toBe(k);
      expect(chiSquare(counts, k), name).toBeLessThan(chiBound(k));
    }
  });

  it("never produce widths or reductions that are invalid together, and draw the valid ones uniformly", () => {
    // 16 px, patch 4: a 4x4 grid, so two residual reductions are possible and a third is not.
    const stage = (widths: number[]) => ({
      widths,
      headDim: 4,
      depth: [1],
      heads: [1],
      mlpHidden: [8],
      attention: ["softmax"],
      reduction: ["residual", "none"],
    });
    const s = space({
      format: "vit-space/v1",
      input: { imageSize: 16, channels: 3, classes: 4 },
      stem: { convs: [], patch: { kernel: 4, stride: 4 } },
      stages: [stage([8, 16, 24]), stage([8, 16, 24]), stage([16, 24]), stage([24, 32])],
    });
    const valid = new Set<string>();
    const widths = s.stages.map((st) => st.widths);
    for (const w0 of widths[0]!)
      for (const w1 of widths[1]!)
        for (const w2 of widths[2]!)
          for (const w3 of widths[3]!)
            for (const r of ["none", "residual"].flatMap((r1) =>
              ["none", "residual"].flatMap((r2) => ["none", "residual"].map((r3) => [r1, r2, r3])),
            )) {
              const ok = w0 <= w1 && w1 <= w2 && w2 <= w3 && r.filter((x) => x === "residual").length <= 2;
              if (ok) valid.add(JSON.stringify([w0, w1, w2, w3, ...r]));
            }
    const rng = createRng(3);
    const counts = new Map<string, number>();
    for (let n = 0; n < 8000; n++) {
      const a = sampleArch(s, rng);
      const key = JSON.stringify([...a.stages.map((st) => st.width), ...a.stages.slice(1).map((st) => st.reduction)]);
      expect(valid.has(key), key).toBe(true);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(valid.size);
    expect(chiSquare(counts, valid.size)).toBeLessThan(chiBound(valid.size));
  });
});

describe("archHash", () => {
  const DEFAULTS: [string[], unknown][] = [
    [["position"], "learned"],
    [["classToken"], true],
    [["input", "channels"], 3],
    [["stem", "patch", "padding"], 0],
  ];

  /** The same architecture written another way: keys shuffled, defaults dropped, stage 0's reduction changed. */
  function rewrite(arch: VitArch, rng: ReturnType<typeof createRng>): unknown {
    const shuffleKeys = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(shuffleKeys);
      if (v === null || typeof v !== "object") return v;
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i > 0; i--) {
        const j = rng.next() >>> 0;
        const k = j % (i + 1);
        [entries[i], entries[k]] = [entries[k]!, entries[i]!];
      }
      return Object.fromEntries(entries.map(([k, x]) => [k, shuffleKeys(x)]));
    };
    type Json = Record<string, unknown>;
    const doc = structuredClone(arch);
    for (const [path, value] of DEFAULTS) {
      const parent = path.slice(0, -1).reduce<Json>((o, k) => o[k] as Json, doc as unknown as Json);
      if (parent[path.at(-1)!] === value) delete parent[path.at(-1)!];
    }
    const first = doc.stages[0]!;
    first.reduction = first.reduction === "none" ? "residual" : "none";
    for (const stage of doc.stages) {
      if (stage.reduction === "none" && stage !== first) delete (stage as Partial<typeof stage>).reduction;
      for (const block of stage.blocks) {
        const a = block.attention;
        const bare = { type: a.type } as typeof a;
        if (a.type === "linformer" && a.k === 64 && a.shareKV === true) block.attention = bare;
        if (a.type === "nystrom" && a.landmarks === 64 && a.iterations === 6 && a.convKernel === 33) {
          block.attention = bare;
        }
        if (a.type === "castling" && a.convKernel === 9) block.attention = bare;
        if (a.type === "mixer" && a.expansion === 0.5) block.attention = bare;
        if (a.type === "performer" && a.features === Math.floor(stage.headDim * Math.log(stage.headDim))) {
          block.attention = bare;
        }
      }
    }
    return shuffleKeys(doc);
  }

  it("gives the same short hex id to the same architecture written differently", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (s, seed) => {
        const rng = createRng(seed);
        const a = sampleArch(s, rng);
        const id = archHash(a);
        expect(id).toMatch(/^[0-9a-f]{16}$/);
        const doc = rewrite(a, rng);
        expect(validateArch(doc).ok).toBe(true);
        expect(archHash(doc as VitArch)).toBe(id);
        // The field-by-field writer of complete architectures and the generic one agree.
        const generic = canonicalJson(canonicalArch(doc as VitArch));
        expect(canonicalArchJson(a)).toBe(generic);
        expect(canonicalArchJson(doc as VitArch)).toBe(generic);
      }),
      { numRuns: 60 },
    );
  });

  it("gives different ids to different architectures", () => {
    const s = space(fixture("tiny-space"));
    const rng = createRng(2);
    const byId = new Map<string, string>();
    for (let n = 0; n < 1000; n++) {
      const a = sampleArch(s, rng);
      const canonical = canonicalJson(canonicalArch(a));
      const id = archHash(a);
      const seen = byId.get(id);
      if (seen !== undefined) expect(seen).toBe(canonical);
      byId.set(id, canonical);
    }
    const a = sampleArch(s, rng);
    const wider = structuredClone(a);
    wider.stages[0]!.blocks[0]!.mlpHidden += 1;
    expect(archHash(wider)).not.toBe(archHash(a));
  });
});

describe("spaceSize and isInSpace", () => {
  /** Every document the space's candidate lists can write, valid or not. */
  function* everyDocument(s: VitSpace): Generator<VitArch> {
    const blockChoices = (st: VitSpace["stages"][number]) =>
      st.heads.flatMap((heads) =>
        st.mlpHidden.flatMap((mlpHidden) => st.attention.map((attention) => ({ heads, mlpHidden, attention }))),
      );
    function* blocks(choices: BlockSpec[], depth: number): Generator<BlockSpec[]> {
      if (depth === 0) return yield [];
      for (const rest of blocks(choices, depth - 1)) for (const b of choices) yield [...rest, b];
    }
    /** The kept places of each way to drop blocks down to `depth` (only the last ones, unless depthDrop says). */
    function* placements(st: VitSpace["stages"][number], depth: number): Generator<number[]> {
      const places = Math.max(...st.depth);
      const droppable = droppablePlaces(st.depthDrop ?? "last", places);
      if (!droppable) return yield Array.from({ length: depth }, (_, j) => j);
      function* drops(from: number, count: number): Generator<number[]> {
        if (count === 0) return yield [];
        for (let k = from; k < droppable!.length; k++)
          for (const rest of drops(k + 1, count - 1)) yield [droppable![k]!, ...rest];
      }
      for (const dropped of drops(0, places - depth)) {
        yield Array.from({ length: places }, (_, p) => p).filter((p) => !dropped.includes(p));
      }
    }
    function* stages(i: number): Generator<VitArch["stages"]> {
      if (i === s.stages.length) return yield [];
      const st = s.stages[i]!;
      for (const rest of stages(i + 1))
        for (const width of st.widths)
          for (const reduction of i === 0 ? (["none"] as const) : st.reduction)
            for (const depth of st.depth)
              for (const kept of placements(st, depth))
                for (const bs of blocks(blockChoices(st), depth)) {
                  yield [{ width, headDim: st.headDim, reduction, blocks: placeBlocks(bs, kept) }, ...rest];
                }
    }
    for (const position of s.position)
      for (const st of stages(0)) {
        yield { format: "vit-arch/v1", input: s.input, stem: s.stem, position, classToken: s.classToken, stages: st };
      }
  }

  it("spaceSize agrees with brute-force enumeration of the valid architectures", () => {
    const small = spaceArb.filter((s) => spaceSize(s) <= 400n);
    fc.assert(
      fc.property(small, (s) => {
        let valid = 0;
        // Documents that compute the same function (e.g. fnet blocks differing only in heads) share an id; distinct
        // networks never do.
        const ids = new Set<string>();
        const networks = new Set<string>();
        for (const arch of everyDocument(s)) {
          const ok = validateArch(arch).ok;
          expect(isInSpace(s, arch)).toBe(ok);
          if (!ok) continue;
          valid++;
          ids.add(archHash(arch));
          networks.add(canonicalJson(canonicalArch(arch)));
        }
        expect(spaceSize(s)).toBe(BigInt(valid));
        expect(ids.size).toBe(networks.size);
      }),
      { numRuns: 15 },
    );
  });

  it("isInSpace names the first choice outside the space", () => {
    const s = space(fixture("tiny-space"));
    const a = sampleArch(s, createRng(1));
    expect(isInSpace(s, a)).toBe(true);
    const b = structuredClone(a);
    b.stages[1]!.blocks[0]!.heads = 5;
    expect(outsideSpace(s, b)).toBe("stages[1].blocks[0].heads: 5 is not a candidate");
    const c = structuredClone(a);
    c.stages[0]!.width = 512;
    expect(outsideSpace(s, c)).toMatch(/^stages\[0\]\.width/);
    const d = structuredClone(a);
    d.stem.patch.kernel = 2;
    expect(outsideSpace(s, d)).toMatch(/^stem/);
  });
});

// Validation returns complete documents: every field with a schema default, and every derived one, is present.
import { describe, expect, it } from "vitest";
import { ATTENTION_TYPES, completeJob, NasSearchSchema, VitArchSchema, validateArch, validateJob } from "../src";

type Node = {
  default?: unknown;
  anyOf?: Node[];
  items?: Node;
  properties?: Record<string, Node>;
  type?: string;
  const?: unknown;
  required?: string[];
};

/** Paths of fields that have a schema default but are missing from `value`. */
function missingDefaults(schema: Node, value: unknown, path = ""): string[] {
  if (schema.anyOf) {
    const branches = schema.anyOf.flatMap((s) => s.anyOf ?? [s]);
    const record = value as Record<string, unknown>;
    const branch =
      Array.isArray(value) || typeof value !== "object"
        ? branches.find((b) => (Array.isArray(value) ? b.type === "array" : false))
        : branches.find(
            (b) =>
              Object.entries(b.properties ?? {}).every(([k, p]) => !("const" in p) || p.const === record[k]) &&
              (b.required ?? []).every((k) => k in record),
          );
    return branch ? missingDefaults(branch, value, path) : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => missingDefaults(schema.items ?? {}, v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  const record = value as Record<string, unknown>;
  return Object.entries(schema.properties ?? {}).flatMap(([key, property]) =>
    record[key] === undefined
      ? "default" in property
        ? [`${path}.${key}`]
        : []
      : missingDefaults(property, record[key], `${path}.${key}`),
  );
}

const minimalSpace = {
  format: "vit-space/v1",
  input: { imageSize: 32, classes: 10 },
  stem: { convs: [{ out: 8, kernel: 3 }, { residual: [{ out: 8, kernel: 5 }] }], patch: { kernel: 4, stride: 4 } },
  stages: [{ widths: [32], headDim: 8, depth: [1], heads: [2], mlpHidden: [64], attention: [...ATTENTION_TYPES] }],
};

describe("complete documents", () => {
  it("fill every default of a minimal architecture, for every attention type", () => {
    const result = validateArch({
      format: "vit-arch/v1",
      input: { imageSize: 32, classes: 10 },
      stem: { convs: [{ out: 8, kernel: 3 }], patch: { kernel: 4, stride: 4 } },
      stages: [
        {
          width: 32,
          headDim: 8,
          blocks: ATTENTION_TYPES.map((type) => ({ heads: 2, mlpHidden: 64, attention: { type } })),
        },
      ],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(missingDefaults(VitArchSchema as Node, result.value)).toEqual([]);
    expect(result.value.stem.convs[0]).toEqual({ out: 8, kernel: 3, stride: 1, padding: 1, norm: "none", act: "none" });
    const performer = result.value.stages[0]!.blocks[1]!.attention;
    expect(performer).toEqual({ type: "performer", features: Math.floor(8 * Math.log(8)) });
  });

  it("fill every default of a minimal job, its space and each dataset kind", () => {
    for (const dataset of [
      { kind: "synthetic" },
      { kind: "folder", path: "/images" },
      { kind: "idx", path: "/mnist" },
    ]) {
      const result = validateJob({ format: "nas-search/v1", space: minimalSpace, dataset });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(missingDefaults(NasSearchSchema as Node, result.value)).toEqual([]);
      expect(result.value.dataset).toMatchObject({ imageSize: 32 });
      expect(result.value.search.parents).toBe(16);
      expect(result.value.space.stem.convs[1]).toEqual({
        residual: [{ out: 8, kernel: 5, stride: 1, padding: 2, norm: "none", act: "none" }],
      });
      expect(result.value.space.stages[0]!.attention.map((a) => a.type)).toEqual([...ATTENTION_TYPES]);
      expect(result.value.space.position).toEqual(["learned"]);
    }
  });

  it("keeps what the document states over any default", () => {
    const result = validateJob({
      format: "nas-search/v1",
      space: minimalSpace,
      dataset: { kind: "synthetic", classes: 10, train: 10, seed: 3 },
      search: { population: 9, parents: 2 },
      seed: 0,
    });
    expect(result.ok && result.value.search.parents === 2 && result.value.seed === 0).toBe(true);
    expect(result.ok && result.value.dataset).toMatchObject({ train: 10, seed: 3, val: 1000 });
  });

  it("completes a job stored before a field existed, and leaves a complete one as it is", () => {
    const result = validateJob({ format: "nas-search/v1", space: minimalSpace, dataset: { kind: "synthetic" } });
    if (!result.ok) throw new Error("invalid");
    const complete = result.value;
    expect(completeJob(complete)).toEqual(complete);
    // An older stored document: no test split, no initialisation scheme, no augmentation section.
    const { test: _test, ...dataset } = complete.dataset as typeof complete.dataset & { test: number };
    const { init: _init, augment: _augment, ...supernet } = complete.supernet;
    const older = { ...complete, dataset, supernet } as unknown as Parameters<typeof completeJob>[0];
    const filled = completeJob(older);
    expect(filled).toEqual(complete);
    expect(filled.supernet).toMatchObject({ init: "fan-in", augment: { flip: "auto", shift: "auto" } });
  });
});

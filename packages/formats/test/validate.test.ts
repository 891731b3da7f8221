import { describe, expect, it } from "vitest";
import {
  formatIssues,
  type ValidationIssue,
  type ValidationResult,
  validateArch,
  validateDocument,
  validateJob,
  validateSpace,
  withDefaults,
} from "../src";
import { fixture } from "./fixtures";

const errorsOf = <T>(result: ValidationResult<T>): ValidationIssue[] => {
  if (result.ok) throw new Error("expected the document to be invalid");
  return result.errors;
};
const validValue = <T>(result: ValidationResult<T>): T => {
  if (!result.ok) throw new Error(formatIssues(result.errors));
  return result.value;
};
const paths = (issues: ValidationIssue[]) => issues.map((i) => i.path).sort();

describe("valid documents", () => {
  // First in the file, so no schema is compiled yet: the job's schema registers the space's and the architecture's
  // $ids, which Ajv would refuse to compile a second time.
  it("validates a space and an architecture after a job", () => {
    const job = fixture("tiny-job");
    expect(validateJob(job).ok).toBe(true);
    expect(validateSpace(job.space).ok).toBe(true);
    expect(validateArch(fixture("deit-tiny")).ok).toBe(true);
  });

  it("accepts the fixtures, each under its own format", () => {
    for (const [name, format] of [
      ["deit-tiny", "vit-arch/v1"],
      ["vit-res-tiny", "vit-arch/v1"],
      ["tiny-space", "vit-space/v1"],
      ["tiny-job", "nas-search/v1"],
    ]) {
      const { format: detected, result } = validateDocument(fixture(name!));
      expect(detected).toBe(format);
      expect(result.ok, name).toBe(true);
    }
  });

  it("completes an architecture: stem padding, performer features, optional fields", () => {
    const doc = fixture("vit-res-tiny");
    delete doc.position;
    delete doc.classToken;
    delete doc.stages[0].reduction;
    doc.stages[2].blocks[0].attention = { type: "performer" };
    const arch = validValue(validateArch(doc));
    expect(arch.position).toBe("learned");
    expect(arch.classToken).toBe(true);
    expect(arch.stages[0]!.reduction).toBe("none");
    expect(arch.stem.convs[0]).toMatchObject({ padding: 1, stride: 2 });
    expect(arch.stem.patch.padding).toBe(0);
    expect(arch.stages[2]!.blocks[0]!.attention).toEqual({
      type: "performer",
      features: Math.floor(64 * Math.log(64)),
    });
  });

  it("completes a space: attention names become objects, position becomes a list, reduction defaults", () => {
    const doc = fixture("tiny-space");
    doc.position = "rope";
    delete doc.stages[1].reduction;
    const space = validValue(validateSpace(doc));
    expect(space.position).toEqual(["rope"]);
    expect(space.stages[1]!.reduction).toEqual(["none"]);
    expect(space.stages[0]!.attention[1]).toEqual({ type: "performer", features: Math.floor(16 * Math.log(16)) });
    expect(space.stages[1]!.attention[1]).toEqual({ type: "performer", features: 32 });
    expect(space.input.channels).toBe(3);
  });

  it("completes a job: supernet and search defaults, parents, the synthetic dataset's shape from the space", () => {
    const doc = { format: "nas-search/v1", space: fixture("tiny-space"), dataset: { kind: "synthetic" } };
    doc.space.input.classes = 7;
    const job = validValue(validateJob(doc));
    expect(job.name).toBe("search");
    expect(job.seed).toBe(1);
    expect(job.dataset).toEqual({
      kind: "synthetic",
      classes: 7,
      imageSize: 32,
      channels: 3,
      train: 4000,
      val: 1000,
      test: 1000,
      seed: 0,
    });
    expect(job.supernet.batchSize).toBe(64);
    expect(job.search).toEqual({
      population: 32,
      generations: 6,
      parents: 16,
      mutationProb: 0.3,
      crossoverProb: 0.5,
      constraints: {},
      strategy: "nsga2",
      latency: { measure: true, threads: 1, runs: 50 },
    });
    expect(Array.isArray(job.space.position)).toBe(true);
  });

  it("returns complete documents that validate again to themselves, without touching the input", () => {
    const doc = fixture("tiny-job");
    const before = JSON.stringify(doc);
    const job = validValue(validateJob(doc));
    expect(JSON.stringify(doc)).toBe(before);
    expect(validValue(validateJob(job))).toEqual(job);
    const arch = validValue(validateArch(fixture("vit-res-tiny")));
    expect(withDefaults(arch)).toEqual(arch);
  });
});

describe("structural errors", () => {
  it("names unknown fields, missing fields and wrong types with their paths", () => {
    const doc = fixture("vit-res-tiny");
    doc.stages[0].colour = "red";
    delete doc.input.classes;
    doc.stages[1].blocks[0].heads = "8";
    const issues = errorsOf(validateArch(doc));
    expect(formatIssues(issues).split("\n").sort()).toEqual(
      [
        'stages[0].colour: unknown field "colour" (known fields: width, headDim, reduction, blocks)',
        "input.classes: is required",
        'stages[1].blocks[0].heads: must be an integer, not "8"',
      ].sort(),
    );
  });

  it("reports a bad attention type once, on the discriminator", () => {
    const doc = fixture("deit-tiny");
    doc.stages[0].blocks[3].attention = { type: "sparse", k: 3 };
    const issues = errorsOf(validateArch(doc));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("stages[0].blocks[3].attention.type");
    expect(issues[0]!.message).toContain('"performer"');
  });

  it("reports only the errors of the attention type the document names", () => {
    const doc = fixture("deit-tiny");
    doc.stages[0].blocks[0].attention = { type: "linformer", k: 0, share: true };
    expect(paths(errorsOf(validateArch(doc)))).toEqual([
      "stages[0].blocks[0].attention.k",
      "stages[0].blocks[0].attention.share",
    ]);
  });

  it("reports a bad dataset kind and space candidates by path", () => {
    const doc = fixture("tiny-job");
    doc.dataset = { kind: "imagenet" };
    doc.space.stages[1].attention.push("quantum");
    doc.space.position = ["learned", 3];
    const issues = errorsOf(validateJob(doc));
    expect(paths(issues)).toEqual(["dataset.kind", "space.position[1]", "space.stages[1].attention[2]"]);
    expect(formatIssues(issues)).toContain('dataset.kind: must be one of "synthetic", "cifar10", "folder", "idx"');
  });

  it("rejects out-of-range numbers and empty lists", () => {
    const doc = fixture("tiny-space");
    doc.stages[0].widths = [];
    doc.stages[1].depth[0] = 0;
    doc.input.imageSize = 1.5;
    expect(paths(errorsOf(validateSpace(doc)))).toEqual(["input.imageSize", "stages[0].widths", "stages[1].depth[0]"]);
  });
});

describe("semantic errors, all reported together", () => {
  it("checks widths, token grids, kernels and rope head dimensions of an architecture", () => {
    const doc = fixture("vit-res-tiny");
    doc.stem.patch = { kernel: 8, stride: 8 }; // 112 / 8 = 14: 14 -> 7 -> odd
    doc.stages[1].width = 160;
    doc.stages[2].blocks[1].attention = { type: "nystrom", convKernel: 32 };
    doc.position = "rope";
    doc.stages[1].headDim = 42;
    const issues = errorsOf(validateArch(doc));
    expect(formatIssues(issues).split("\n").sort()).toEqual(
      [
        "stages[1].width: must be >= 192, the width of stage 0 (a stage can only widen)",
        "stages[2].reduction: residual needs an even token grid, but stage 1 has 7x7 tokens",
        "stages[2].blocks[1].attention.convKernel: must be odd, so the conv along the tokens keeps their number",
        "stages[1].headDim: must be a multiple of 4 with rope positions (is 42)",
      ].sort(),
    );
  });

  it("checks that the patch and stem convs fit the image and residual stem entries keep their shape", () => {
    const doc = fixture("vit-res-tiny");
    doc.stem.convs[1].residual[1].stride = 2;
    expect(paths(errorsOf(validateArch(doc)))).toEqual(["stem.convs[1].residual"]);
    const small = fixture("deit-tiny");
    small.input.imageSize = 8;
    expect(errorsOf(validateArch(small))).toEqual([
      { path: "stem.patch.kernel", message: "16 (padding 0) does not fit the 8x8 image it is applied to" },
    ]);
  });

  it("rejects a space where no architecture is valid, and accepts one where some are", () => {
    const doc = fixture("tiny-space");
    doc.stages[1].widths = [32, 48];
    expect(errorsOf(validateSpace(doc))).toEqual([
      {
        path: "stages[1].widths",
        message: "needs a width >= 64, the smallest width stage 0 can have (a stage can only widen)",
      },
    ]);
    doc.stages[1].widths = [32, 64];
    expect(validateSpace(doc).ok).toBe(true);
  });

  it("rejects a space whose only reduction needs an even grid it never has", () => {
    const doc = fixture("tiny-space");
    doc.stem.patch = { kernel: 32, stride: 32 }; // 1x1 grid
    doc.stages[1].reduction = ["residual"];
    expect(paths(errorsOf(validateSpace(doc)))).toEqual(["stages[1].reduction"]);
    doc.stages[1].reduction = ["residual", "none"];
    expect(validateSpace(doc).ok).toBe(true);
  });

  it("rejects repeated candidates", () => {
    const doc = fixture("tiny-space");
    doc.stages[0].attention.push({ type: "linformer", k: 64 });
    doc.stages[0].heads = [2, 2];
    expect(paths(errorsOf(validateSpace(doc)))).toEqual(["stages[0].attention[8]", "stages[0].heads[1]"]);
  });

  it("checks a job's dataset against its space, constraints, parents and sub-batches", () => {
    const doc = fixture("tiny-job");
    doc.dataset.classes = 100;
    doc.search.constraints = { macs: { min: 5, max: 4 }, params: { min: 1, max: 2 } };
    doc.search.parents = 40;
    doc.search.latency = { measure: false, maxMs: 5 };
    doc.supernet.archsPerStep = 65;
    doc.supernet.attentionWarmupEpochs = doc.supernet.epochs ?? 4;
    doc.space.stages[1].widths = [16];
    expect(
      formatIssues(errorsOf(validateJob(doc)))
        .split("\n")
        .sort(),
    ).toEqual(
      [
        "space.stages[1].widths: needs a width >= 64, the smallest width stage 0 can have (a stage can only widen)",
        "dataset.classes: must be 10, the space's input classes (is 100)",
        "search.constraints.macs.min: must be <= max (4)",
        "search.parents: must be <= population (32)",
        "search.latency.maxMs: needs search.latency.measure: true (the constraint is on measured latency)",
        "supernet.archsPerStep: must be <= batchSize (64): each sub-network trains on its own part of the batch",
        `supernet.attentionWarmupEpochs: must be < epochs (${doc.supernet.epochs ?? 4}): the other attention types train after the warm-up`,
      ].sort(),
    );
  });

  it("checks space shrinking against the epochs and the attention warm-up, and fills its defaults", () => {
    const doc = fixture("tiny-job");
    doc.supernet.epochs = 4;
    doc.supernet.attentionShrink = { epoch: 4, keep: 2 };
    expect(formatIssues(errorsOf(validateJob(doc)))).toBe(
      "supernet.attentionShrink.epoch: must be < epochs (4): the kept attention types train after it",
    );
    doc.supernet.attentionShrink = { epoch: 1, keep: 2 };
    doc.supernet.attentionWarmupEpochs = 2;
    expect(formatIssues(errorsOf(validateJob(doc)))).toBe(
      "supernet.attentionShrink.epoch: must be >= attentionWarmupEpochs (2): types are scored once every one has trained",
    );
    doc.supernet.attentionShrink = { epoch: 2, keep: 0, extra: 1 };
    expect(paths(errorsOf(validateJob(doc))).sort()).toEqual([
      "supernet.attentionShrink.extra",
      "supernet.attentionShrink.keep",
    ]);
    doc.supernet.attentionShrink = { epoch: 2, keep: 3 };
    expect(validValue(validateJob(doc)).supernet.attentionShrink).toEqual({ epoch: 2, keep: 3, archs: 4, images: 512 });
    delete doc.supernet.attentionShrink;
    expect(validValue(validateJob(doc)).supernet.attentionShrink).toBeUndefined();
  });

  it("requires a CIFAR-10 job's space to take 32x32x3 images in 10 classes", () => {
    const doc = fixture("tiny-job");
    doc.dataset = { kind: "cifar10", path: "/data/cifar", train: 49_500, val: 1000 };
    doc.space.input = { imageSize: 64, classes: 10 };
    doc.space.stem.patch = { kernel: 8, stride: 8 };
    expect(paths(errorsOf(validateJob(doc)))).toEqual(["dataset.train", "space.input.imageSize"]);
  });
});

describe("idx datasets", () => {
  it("validate with their defaults, the image size from the space", () => {
    const doc = fixture("tiny-job");
    doc.dataset = { kind: "idx", path: "/data/fashion-mnist", train: 5000, test: 2000 };
    doc.space.input = { imageSize: 28, channels: 1, classes: 10 };
    expect(validValue(validateJob(doc)).dataset).toEqual({
      kind: "idx",
      path: "/data/fashion-mnist",
      train: 5000,
      val: 1000,
      test: 2000,
      imageSize: 28,
      seed: 0,
    });
  });

  it("name the path of a bad field, and need a space of one or three channels", () => {
    const doc = fixture("tiny-job");
    doc.dataset = { kind: "idx", path: "/data/mnist", val: 0, trainImage: "x" };
    expect(paths(errorsOf(validateJob(doc)))).toEqual(["dataset.trainImage", "dataset.val"]);
    doc.dataset = { kind: "idx", path: "/data/mnist", imageSize: 28 };
    doc.space.input = { imageSize: 32, channels: 2, classes: 10 };
    expect(
      formatIssues(errorsOf(validateJob(doc)))
        .split("\n")
        .sort(),
    ).toEqual([
      "dataset.imageSize: must be 32, the space's input imageSize (is 28)",
      "space.input.channels: must be 1 or 3 for an idx dataset (is 2)",
    ]);
  });
});

describe("validateDocument and formatIssues", () => {
  it("explains a missing or unknown format and lists the three", () => {
    for (const doc of [{}, { format: "vit-arch/v2" }, [], 3, null]) {
      const { format, result } = validateDocument(doc);
      expect(format).toBeUndefined();
      expect(result.ok).toBe(false);
      const text = formatIssues(result.ok ? [] : result.errors);
      for (const name of ["vit-arch/v1", "vit-space/v1", "nas-search/v1"]) expect(text).toContain(name);
    }
  });

  it("prints one line per issue, the document itself as (document)", () => {
    expect(
      formatIssues([
        { path: "", message: "a" },
        { path: "stages[1].widths[0]", message: "b" },
      ]),
    ).toBe("(document): a\nstages[1].widths[0]: b");
  });
});

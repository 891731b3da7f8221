// An `uploaded` dataset as the kind detected at upload: its split options checked for that kind (a folder takes
// fractions, the others counts), the defaults of that kind filled, and the paths pointed at the unpacked upload.
import { join } from "node:path";
import type { DatasetSpec, UploadedDatasetSpec } from "@vitnas/formats";
import type { UploadLayout } from "./inspect";

/** The concrete dataset an upload stands for, read from `root` (where the upload is unpacked). */
export function uploadedSpec(spec: UploadedDatasetSpec, layout: UploadLayout, root: string): DatasetSpec {
  const format = layout.format;
  const refuse = (field: string, message: string): never => {
    throw new Error(`dataset.${field}: ${message} (dataset ${spec.id} is a ${format} upload)`);
  };
  if (spec.labels !== undefined && format !== "cifar100") refuse("labels", "is for cifar100 uploads only");
  const path = join(root, layout.path);
  const { seed, imageSize } = spec;
  if (format === "folder") {
    if (spec.train !== undefined) refuse("train", "is not taken by folder uploads (their splits are fractions)");
    for (const field of ["val", "test"] as const) {
      const value = spec[field];
      if (value !== undefined && !(value > 0 && value < 1))
        refuse(field, `must be a fraction between 0 and 1 (is ${value})`);
    }
    return {
      kind: "folder",
      path,
      ...(layout.testPath !== undefined ? { testPath: join(root, layout.testPath) } : {}),
      imageSize,
      val: spec.val ?? 0.2,
      test: spec.test ?? 0.1,
      seed,
    };
  }
  for (const field of ["val", "test"] as const) {
    const value = spec[field];
    if (value !== undefined && !Number.isInteger(value))
      refuse(field, `must be a whole number of images (is ${value})`);
  }
  const train = spec.train !== undefined ? { train: spec.train } : {};
  const test = spec.test !== undefined ? { test: spec.test } : {};
  const val = spec.val ?? 1000;
  switch (format) {
    case "cifar10":
      return { kind: "cifar10", path, ...train, val, test: spec.test ?? 1000, seed };
    case "cifar100":
      return { kind: "cifar100", path, labels: spec.labels ?? "fine", ...train, val, test: spec.test ?? 1000, seed };
    case "idx":
      return { kind: "idx", path, ...train, val, ...test, imageSize, seed };
    case "npz":
      return { kind: "npz", path, ...train, val, ...test, imageSize, seed };
  }
}

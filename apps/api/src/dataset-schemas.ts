// Request and response schemas of /v1/datasets (docs/datasets.md).
import { Type as T } from "@sinclair/typebox";
import { UPLOADED_FORMATS } from "@vitnas/formats";

const nullable = <S extends ReturnType<typeof T.Number>>(schema: S) => T.Union([schema, T.Null()]);

export const Dataset = T.Object(
  {
    id: T.String({ description: 'use it in a job as { "kind": "uploaded", "id": ... }' }),
    name: T.String(),
    sha256: T.String({ description: "the upload's SHA-256: the same bytes uploaded again are this dataset" }),
    format: T.Union(
      UPLOADED_FORMATS.map((f) => T.Literal(f)),
      { description: "the kind detected at upload; it decides what val and test mean in a job" },
    ),
    sizeBytes: T.Number({ description: "the upload's size as sent" }),
    classes: T.Number(),
    classNames: T.Array(T.String()),
    perClass: T.Array(T.Number(), { description: "training images per class, by label" }),
    train: T.Number({ description: "training images" }),
    test: nullable(T.Number({ description: "images of the upload's own test split; null: one is held out" })),
    imageSize: nullable(T.Number({ description: "the images' side; null when a folder's images differ" })),
    channels: T.Number(),
    coarseClasses: T.Optional(T.Number({ description: "cifar100: its coarse classes" })),
    previewUrl: T.String({ description: "a PNG of the first image of each of the first 10 classes" }),
    createdAt: T.String({ format: "date-time" }),
  },
  { $id: "UploadedDataset" },
);

export const DatasetList = T.Object({ datasets: T.Array(Dataset) });

export const UploadQuery = T.Object({
  name: T.Optional(T.String({ minLength: 1, maxLength: 200, description: "default: upload-<first digest digits>" })),
});

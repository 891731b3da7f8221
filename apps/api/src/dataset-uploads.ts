// POST /v1/datasets, the work behind it: the request body streamed to a file beside the artifact store (hashed and
// counted on the way, never held in memory, refused with 413 past the limit), then unpacked into a scratch directory
// and checked (@vitnas/datasets), then moved into the store under its digest and recorded for the team. A refused
// upload leaves nothing behind. The same bytes uploaded again are the same dataset (docs/datasets.md).
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import type { DatasetBlobs } from "@vitnas/artifacts";
import { DatasetRejection, type DatasetSummary, extractArchive, inspectDataset } from "@vitnas/datasets";
import type { DatasetRecord, Db } from "@vitnas/db";
import { ApiError } from "./errors";

export interface DatasetLimits {
  /** MAX_DATASET_UPLOAD_BYTES: the largest upload, as sent (413 beyond). */
  uploadBytes: number;
  /** MAX_DATASET_FILES: entries an archive may hold (the decompression-bomb guard). */
  files: number;
  /** MAX_DATASET_UNPACKED_BYTES: bytes an archive may unpack to. */
  unpackedBytes: number;
}

export const DEFAULT_DATASET_LIMITS: DatasetLimits = {
  uploadBytes: 2 * 1024 ** 3,
  files: 200_000,
  unpackedBytes: 8 * 1024 ** 3,
};

const tooLarge = (limit: number) =>
  new ApiError(413, "payload_too_large", `the upload exceeds MAX_DATASET_UPLOAD_BYTES (${limit} bytes)`, {
    limit: "MAX_DATASET_UPLOAD_BYTES",
    max: limit,
  });

/** The body into `file`: its digest and size, or a 413 once it passes `limit` (the file is then removed). */
async function receive(body: Readable, file: string, limit: number): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) return done(tooLarge(limit));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(file);
      // Not pipeline(): it would destroy the request on a refusal, and the client would see a reset, not the 413.
      const fail = (err: Error) => {
        body.unpipe(meter);
        meter.destroy();
        out.destroy();
        reject(err);
      };
      body.on("error", fail);
      body.on("aborted", () => fail(new Error("the client closed the connection")));
      meter.on("error", fail);
      out.on("error", fail);
      out.on("finish", () => resolve());
      body.pipe(meter).pipe(out);
    });
  } catch (err) {
    await rm(file, { force: true });
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, "bad_request", `the upload was cut short (${(err as Error).message})`);
  }
  if (size === 0) {
    await rm(file, { force: true });
    throw new ApiError(400, "invalid_dataset", "the upload is empty: send the archive's bytes as the request body");
  }
  return { sha256: hash.digest("hex"), size };
}

/** A refusal of the check as the API's error: 413 for the limits, 400 naming the problem otherwise. */
function refusal(err: DatasetRejection): ApiError {
  return err.status === 413
    ? new ApiError(413, "dataset_too_large", err.message, { limit: "MAX_DATASET_FILES / MAX_DATASET_UNPACKED_BYTES" })
    : new ApiError(400, "invalid_dataset", err.message);
}

export interface UploadResult {
  dataset: DatasetRecord;
  created: boolean;
}

export async function uploadDataset(
  db: Db,
  blobs: DatasetBlobs,
  limits: DatasetLimits,
  teamId: string,
  body: Readable,
  name: string | undefined,
): Promise<UploadResult> {
  const incoming = await blobs.incomingDir();
  const base = join(incoming, randomUUID());
  const file = `${base}.upload`;
  const { sha256, size } = await receive(body, file, limits.uploadBytes);
  try {
    const own = await db.datasets.bySha256(teamId, sha256);
    if (own) return { dataset: own, created: false };
    // Another team's check of the same bytes holds for these: the store keeps them once.
    const known = await db.datasets.anyBySha256(sha256);
    let summary: DatasetSummary;
    let preview: Buffer;
    if (known && (await blobs.has(sha256))) {
      summary = known.summary as unknown as DatasetSummary;
      preview = known.preview;
    } else {
      try {
        await mkdir(base, { recursive: true });
        await extractArchive(file, base, { maxFiles: limits.files, maxBytes: limits.unpackedBytes });
        ({ summary, preview } = await inspectDataset(base));
      } catch (err) {
        if (err instanceof DatasetRejection) throw refusal(err);
        throw err;
      } finally {
        await rm(base, { recursive: true, force: true });
      }
      await blobs.putFile(sha256, file);
    }
    const record = await db.datasets.create({
      teamId,
      name: name ?? `upload-${sha256.slice(0, 12)}`,
      sha256,
      format: summary.format,
      sizeBytes: size,
      summary: summary as unknown as Record<string, unknown>,
      preview,
    });
    return record;
  } finally {
    await rm(file, { force: true });
  }
}

/** The dataset as the API shows it: its record with what the check found. */
export function datasetView(record: DatasetRecord) {
  const summary = record.summary as unknown as DatasetSummary;
  return {
    id: record.id,
    name: record.name,
    sha256: record.sha256,
    format: summary.format,
    sizeBytes: record.sizeBytes,
    classes: summary.classes,
    classNames: summary.classNames,
    perClass: summary.perClass,
    train: summary.train,
    test: summary.test,
    imageSize: summary.imageSize,
    channels: summary.channels,
    ...(summary.coarseClasses !== undefined ? { coarseClasses: summary.coarseClasses } : {}),
    previewUrl: `/v1/datasets/${record.id}/preview.png`,
    createdAt: record.createdAt.toISOString(),
  };
}

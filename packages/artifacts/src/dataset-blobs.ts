// Uploaded datasets in the artifact store: each upload's bytes, as sent, under `datasets/<sha256>/upload`, so the
// same bytes uploaded twice (by any team) are stored once. The API writes them once they are checked; workers read
// them by digest into their cache (dataset-cache.ts). docs/datasets.md describes the layout.
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type ArtifactStore, LocalArtifactStore } from "./artifact-store";

export const datasetKey = (sha256: string) => `datasets/${sha256}/upload`;

export interface DatasetBlobs {
  /** A directory for uploads in progress (on a local store's own disk, so an accepted upload is moved, not copied). */
  incomingDir(): Promise<string>;
  /** Stores a checked upload under its digest and removes `file`; a digest stored already is kept as it is. */
  putFile(sha256: string, file: string): Promise<void>;
  has(sha256: string): Promise<boolean>;
  /** Removes a stored upload (a local store's; an S3-compatible store keeps the object, see docs/datasets.md). */
  remove(sha256: string): Promise<void>;
}

/** Uploads kept in the service's artifact store, local or S3-compatible. */
export function storeDatasetBlobs(store: ArtifactStore): DatasetBlobs {
  const local = store instanceof LocalArtifactStore ? store : undefined;
  const has = async (sha256: string) =>
    local
      ? ((await stat(local.pathOf(datasetKey(sha256))).catch(() => undefined))?.isFile() ?? false)
      : (await store.stat(datasetKey(sha256))) !== undefined;
  return {
    async incomingDir() {
      const dir = local ? join(local.root, "datasets", ".incoming") : join(tmpdir(), "vitnas-uploads");
      await mkdir(dir, { recursive: true });
      return dir;
    },
    async putFile(sha256, file) {
      try {
        if (await has(sha256)) return;
        if (!local) {
          await store.put(datasetKey(sha256), createReadStream(file));
          return;
        }
        const path = local.pathOf(datasetKey(sha256));
        await mkdir(dirname(path), { recursive: true });
        // The same disk: a rename, atomic, so a reader never sees part of an upload.
        await rename(file, path);
      } finally {
        await rm(file, { force: true });
      }
    },
    has,
    async remove(sha256) {
      if (local) await rm(dirname(local.pathOf(datasetKey(sha256))), { recursive: true, force: true });
    },
  };
}

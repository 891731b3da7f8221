// A worker's local copies of uploaded datasets: each upload read once from the artifact store by its digest, checked
// against it, and unpacked into `<cacheDir>/<sha256>/`, where the dataset loader reads it (docs/datasets.md). A copy
// appears whole or not at all (unpacked beside it, then renamed), so workers sharing a cache directory never read a
// partial one, and a worker that dies half-way leaves only a temporary directory the next fetch ignores.
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extractArchive } from "@vitnas/datasets";
import type { ArtifactStore } from "./artifact-store";
import { datasetKey } from "./dataset-blobs";

/** DATASET_CACHE_DIR's default. */
export const DEFAULT_DATASET_CACHE = join(tmpdir(), "vitnas-datasets");

/** The API checked the upload against its limits; these only stop a store that hands back something else. */
const LIMITS = { maxFiles: 10_000_000, maxBytes: 2 ** 50 };

/** The directory an upload is unpacked in, fetching and unpacking it first when this cache lacks it. */
export async function cachedUpload(
  store: Pick<ArtifactStore, "open">,
  cacheDir: string,
  sha256: string,
): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`dataset.sha256: "${sha256}" is not a SHA-256 digest`);
  const dir = join(cacheDir, sha256);
  if (existsSync(dir)) return dir;
  await mkdir(cacheDir, { recursive: true });
  const temp = join(cacheDir, `.tmp-${randomUUID()}`);
  try {
    const hash = createHash("sha256");
    const digest = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(await store.open(datasetKey(sha256)), digest, createWriteStream(`${temp}.upload`));
    const got = hash.digest("hex");
    if (got !== sha256) throw new Error(`uploaded dataset ${sha256}: the stored bytes hash to ${got}`);
    await extractArchive(`${temp}.upload`, temp, LIMITS);
    await rename(temp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another worker sharing the cache unpacked it meanwhile: its copy is the same bytes.
      if (!existsSync(dir)) throw err;
    });
    return dir;
  } finally {
    await rm(`${temp}.upload`, { force: true });
    await rm(temp, { recursive: true, force: true });
  }
}

// Where searches keep their files: the work directory a search checkpoints into (the same one on every resume, by
// any worker) and the outputs it publishes (bundles, pareto.json). Every worker of an install shares one store.
// The interface speaks of keys ("searches/<id>/out/pareto.json"): `LocalArtifactStore` is a directory on a shared
// disk (the default), `S3ArtifactStore` (s3-artifact-store.ts) a bucket, with the work and output directories synced
// from and to it (docs/deployment.md, "Artifact store").
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface StoredArtifact {
  /** Path inside the store, "/"-separated. */
  key: string;
  size: number;
  sha256: string;
  /** Where the artifact lives, e.g. "file:///srv/artifacts/searches/x/out/pareto.json" or "s3://bucket/key". */
  uri: string;
}

export interface ArtifactStore {
  /** A local directory holding the search's checkpoints, ready to resume from; created when missing. */
  workDir(searchId: string): Promise<string>;
  /** Makes the work directory's current checkpoints durable in the store (a no-op when it is the store itself). */
  saveWorkDir(searchId: string): Promise<void>;
  /**
   * How often a running search's work directory should be saved, so a worker killed outright loses little; absent
   * when the work directory is the store itself.
   */
  readonly saveEveryMs?: number;
  /** Checks at start-up that the store can be reached, rejecting with what to fix (absent when there is no check). */
  check?(): Promise<void>;
  /**
   * A local directory for the search's outputs, emptied but for the final phase's trained bundles (`trained/`,
   * `baselines/`), which the pipeline checks before reusing them and would otherwise train again.
   */
  outDir(searchId: string): Promise<string>;
  /** Stores every file of the search's output directory and returns them with sizes and digests. */
  publishOutputs(searchId: string): Promise<StoredArtifact[]>;
  /**
   * Stores bytes under `key`, atomically (readers never see a partial file). A stream is written as it comes, so a
   * large artifact never sits whole in memory; a stream that fails leaves nothing under `key`.
   */
  put(key: string, data: string | Uint8Array | Readable): Promise<StoredArtifact>;
  /** Size and digest of a stored artifact, or undefined when there is none. */
  stat(key: string): Promise<StoredArtifact | undefined>;
  /** Reads a stored artifact as a stream; rejects with a message naming the key when there is none. */
  open(key: string): Promise<Readable>;
}

/** Output directories that survive from one run of a search to the next (see `outDir`). */
export const KEPT_OUTPUTS = new Set(["trained", "baselines"]);

export function searchKey(searchId: string, ...parts: string[]): string {
  return ["searches", searchId, ...parts].join("/");
}

/** Checks that `key` is a relative "/"-separated path without "." or ".." parts, and returns its parts. */
export function keyParts(key: string): string[] {
  const parts = key.split("/");
  if (key === "" || key.startsWith("/") || parts.some((part) => part === ".." || part === "." || part === "")) {
    throw new Error(`artifact key "${key}" is not a relative path inside the store`);
  }
  return parts;
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/** Every file under `dir` (sorted, depth first), without the temporary files of writes in progress. */
export async function* filesUnder(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile() && !entry.name.includes(".tmp-")) yield path;
  }
}

export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The local path of a key; refuses keys that would leave the store. */
  pathOf(key: string): string {
    const path = resolve(this.root, ...keyParts(key));
    if (!path.startsWith(this.root + sep)) throw new Error(`artifact key "${key}" leaves the store`);
    return path;
  }

  async workDir(searchId: string): Promise<string> {
    const dir = this.pathOf(searchKey(searchId, "work"));
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async saveWorkDir(): Promise<void> {
    // The work directory is inside the store: the pipeline's own atomic checkpoint writes already made it durable.
  }

  async outDir(searchId: string): Promise<string> {
    const dir = this.pathOf(searchKey(searchId, "out"));
    await mkdir(dir, { recursive: true });
    // Outputs of an earlier, interrupted export are stale: the run that publishes them writes them all again. A
    // trained bundle is different: it is written whole once its training ends, and that training's checkpoints are
    // then gone, so removing it would train it again from the start. The pipeline reuses one only when it was
    // trained as the job asks (docs/deployment.md, "The final phase").
    for (const entry of await readdir(dir)) {
      if (!KEPT_OUTPUTS.has(entry)) await rm(join(dir, entry), { recursive: true, force: true });
    }
    return dir;
  }

  async publishOutputs(searchId: string): Promise<StoredArtifact[]> {
    const dir = this.pathOf(searchKey(searchId, "out"));
    const stored: StoredArtifact[] = [];
    for await (const file of filesUnder(dir)) {
      const key = searchKey(searchId, "out", ...relative(dir, file).split(sep));
      stored.push(await this.describe(key, file));
    }
    return stored;
  }

  async put(key: string, data: string | Uint8Array | Readable): Promise<StoredArtifact> {
    const path = this.pathOf(key);
    await mkdir(resolve(path, ".."), { recursive: true });
    const temp = `${path}.tmp-${randomUUID()}`;
    try {
      if (typeof data === "string" || data instanceof Uint8Array) await writeFile(temp, data, { flush: true });
      else await pipeline(data, createWriteStream(temp, { flush: true }));
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return this.describe(key, path);
  }

  async stat(key: string): Promise<StoredArtifact | undefined> {
    const path = this.pathOf(key);
    try {
      return await this.describe(key, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async open(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new Error(`artifact "${key}" not found in ${this.root}`);
    return createReadStream(path);
  }

  private async describe(key: string, path: string): Promise<StoredArtifact> {
    const info = await stat(path);
    return { key, size: info.size, sha256: await sha256Of(path), uri: `file://${path}` };
  }
}

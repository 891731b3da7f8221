// An architecture's export bundle as one .tar.gz: its files are read through the artifact store (checked against the
// SHA-256 recorded when they were stored), laid out under `<archId>/` and archived with fixed metadata, so the same
// bundle always gives the same bytes and the same digest.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ArtifactRecord } from "@vitnas/db";
import type { ArtifactStore } from "@vitnas/worker";
import { create as createTar } from "tar";

export type ArtifactReader = Pick<ArtifactStore, "open">;

export interface BundleArchive {
  bytes: Buffer;
  sha256: string;
  fileName: string;
}

export class CorruptArtifactError extends Error {
  constructor(key: string) {
    super(`stored artifact "${key}" does not match the digest recorded when it was written`);
    this.name = "CorruptArtifactError";
  }
}

/** The directory the keys share ("a/b/c" and "a/b/d/e" share "a/b"). */
function commonDirectory(keys: string[]): string[] {
  const split = keys.map((k) => k.split("/").slice(0, -1));
  const first = split[0] ?? [];
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n);
}

const safeName = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, "_");

/**
 * Copies the bundle's files under `dir/<archId>/`, each checked against the SHA-256 recorded when it was stored.
 * Returns the entries written (`<archId>/...`, by path) and the bundle's directory.
 */
export async function copyBundle(
  store: ArtifactReader,
  archId: string,
  files: ArtifactRecord[],
  dir: string,
): Promise<{ entries: string[]; root: string }> {
  const root = safeName(archId);
  const base = commonDirectory(files.map((f) => f.path));
  const entries: string[] = [];
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const relative = file.path.split("/").slice(base.length).map(safeName);
    const entry = [root, ...relative].join("/");
    const target = join(dir, ...entry.split("/"));
    await mkdir(dirname(target), { recursive: true });
    const hash = createHash("sha256");
    const tap = new Transform({
      transform(chunk, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(await store.open(file.path), tap, createWriteStream(target));
    if (hash.digest("hex") !== file.sha256) throw new CorruptArtifactError(file.path);
    entries.push(entry);
  }
  return { entries, root: join(dir, root) };
}

export async function buildBundleArchive(
  store: ArtifactReader,
  archId: string,
  files: ArtifactRecord[],
): Promise<BundleArchive> {
  const dir = await mkdtemp(join(tmpdir(), "vitnas-bundle-"));
  try {
    const { entries } = await copyBundle(store, archId, files, dir);
    const archive = join(dir, "bundle.tar.gz");
    await createTar(
      { gzip: true, portable: true, noDirRecurse: true, mtime: new Date(0), cwd: dir, file: archive },
      entries,
    );
    const bytes = await readFile(archive);
    return { bytes, sha256: createHash("sha256").update(bytes).digest("hex"), fileName: `${safeName(archId)}.tar.gz` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

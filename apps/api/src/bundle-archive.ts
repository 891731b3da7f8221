// An architecture's export bundle as one .tar.gz: its files are read through the artifact store (checked against the
// SHA-256 recorded when they were stored), laid out under `<archId>/` and archived with fixed metadata, so the same
// bundle always gives the same bytes and the same digest. The archive is built once, streamed from the stored files
// into the store itself under a key derived from its contents (`archives/<digest>.tar.gz`), and every download
// streams it from there: nothing is staged on local disk, and the API's memory does not grow with the bundle's size
// (docs/deployment.md, "Artifact store").
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { ArtifactStore } from "@vitnas/artifacts";
import type { ArtifactRecord } from "@vitnas/db";
import { pack as tarPack } from "tar-stream";

export type ArtifactReader = Pick<ArtifactStore, "open" | "put" | "stat">;

export interface BundleArchive {
  /** The stored archive's key. */
  key: string;
  size: number;
  sha256: string;
  fileName: string;
}

/** Changes whenever the archive's layout does, so archives stored by an older layout are not served. */
const ARCHIVE_LAYOUT = 1;

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

/** The bundle's files, sorted, each with its entry in the archive (`<archId>/...`). */
function bundleEntries(archId: string, files: ArtifactRecord[]): { file: ArtifactRecord; entry: string }[] {
  const root = safeName(archId);
  const base = commonDirectory(files.map((f) => f.path));
  return [...files]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((file) => ({ file, entry: [root, ...file.path.split("/").slice(base.length).map(safeName)].join("/") }));
}

/** Passes a stored file through, failing when its bytes are not those recorded (size and SHA-256). */
function checked(file: ArtifactRecord): Transform {
  const hash = createHash("sha256");
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > file.size) return done(new CorruptArtifactError(file.path));
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      done(size === file.size && hash.digest("hex") === file.sha256 ? null : new CorruptArtifactError(file.path));
    },
  });
}

/**
 * Copies the bundle's files under `dir/<archId>/`, each checked against the SHA-256 recorded when it was stored.
 * Returns the entries written (`<archId>/...`, by path) and the bundle's directory.
 */
export async function copyBundle(
  store: Pick<ArtifactStore, "open">,
  archId: string,
  files: ArtifactRecord[],
  dir: string,
): Promise<{ entries: string[]; root: string }> {
  const entries: string[] = [];
  for (const { file, entry } of bundleEntries(archId, files)) {
    const target = join(dir, ...entry.split("/"));
    await mkdir(dirname(target), { recursive: true });
    await pipeline(await store.open(file.path), checked(file), createWriteStream(target));
    entries.push(entry);
  }
  return { entries, root: join(dir, safeName(archId)) };
}

/** The .tar.gz of the bundle as a stream, its files read from the store one after the other as it is consumed. */
function archiveStream(store: Pick<ArtifactStore, "open">, archId: string, files: ArtifactRecord[]): Readable {
  const pack = tarPack();
  const gzip = createGzip();
  // An error on either side destroys both, so the reader (the store's upload) fails and keeps nothing.
  pipeline(pack, gzip).catch(() => undefined);
  (async () => {
    for (const { file, entry } of bundleEntries(archId, files)) {
      // Fixed metadata: the same files give the same bytes.
      const header = { name: entry, size: file.size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 };
      await pipeline(await store.open(file.path), checked(file), pack.entry(header));
    }
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  return gzip;
}

/**
 * The bundle's archive in the store, built on its first request. Its key is the digest of its entries and their
 * files' digests: a bundle written again with other bytes (a resumed search) gets another archive.
 */
export async function bundleArchive(
  store: ArtifactReader,
  archId: string,
  files: ArtifactRecord[],
): Promise<BundleArchive> {
  const manifest = bundleEntries(archId, files).map(({ file, entry }) => [entry, file.size, file.sha256]);
  const digest = createHash("sha256")
    .update(JSON.stringify([ARCHIVE_LAYOUT, manifest]))
    .digest("hex");
  const key = `archives/${digest}.tar.gz`;
  const stored = (await store.stat(key)) ?? (await store.put(key, archiveStream(store, archId, files)));
  return { key, size: stored.size, sha256: stored.sha256, fileName: `${safeName(archId)}.tar.gz` };
}

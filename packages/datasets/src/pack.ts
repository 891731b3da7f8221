// A directory as a tar.gz stream, packed as it is read (never whole in memory): what `nas datasets push <dir>` sends.
// Entries are relative to the directory, in name order, with their files' times, so an unchanged directory packs to
// the same bytes (and the service sees the same upload); links are refused, as the service would refuse them.
import { createReadStream } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { pack } from "tar-stream";

/** Every file and directory under `dir`, relative, in name order (a directory before its contents). */
async function* walk(
  dir: string,
  prefix = "",
): AsyncGenerator<{ name: string; path: string; size?: number; mtime: Date }> {
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const relative = prefix ? `${prefix}/${name}` : name;
    const path = join(dir, relative);
    const info = await lstat(path);
    if (info.isSymbolicLink()) throw new Error(`${path}: a symbolic link; copy what it points to instead`);
    if (info.isDirectory()) {
      yield { name: `${relative}/`, path, mtime: info.mtime };
      yield* walk(dir, relative);
    } else if (info.isFile()) yield { name: relative, path, size: info.size, mtime: info.mtime };
  }
}

/** The directory's files as a gzipped tar stream; a failure (a link, an unreadable file) errors the stream. */
export function packDirectory(dir: string): Readable {
  const tar = pack();
  const gzip = createGzip();
  void (async () => {
    for await (const entry of walk(dir)) {
      if (entry.size === undefined) {
        tar.entry({ name: entry.name, type: "directory", mode: 0o755, mtime: entry.mtime });
        continue;
      }
      const sink = tar.entry({ name: entry.name, type: "file", size: entry.size, mode: 0o644, mtime: entry.mtime });
      await pipeline(createReadStream(entry.path), sink);
    }
    tar.finalize();
  })().catch((err: Error) => gzip.destroy(err));
  tar.pipe(gzip);
  return gzip;
}

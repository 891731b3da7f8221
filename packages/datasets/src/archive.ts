// Unpacking an uploaded dataset (tar.gz, tar, zip or .npz) into a directory, refusing what could escape it or exhaust
// the disk: entries with `..` or absolute paths, links and special files, more entries or more bytes than the limits
// (a decompression bomb), and archives that are truncated or corrupt. Nothing is written outside `dest`; on a
// refusal the caller removes `dest` (docs/datasets.md, "Uploads").
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract as tarExtract } from "tar-stream";
import yauzl from "yauzl";

/** A dataset the service refuses, with the HTTP status that says why (413: too large, 400: anything else). */
export class DatasetRejection extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
    this.name = "DatasetRejection";
  }
}

export interface ArchiveLimits {
  /** Entries (files and directories) an archive may hold. */
  maxFiles: number;
  /** Bytes its files may hold once unpacked. */
  maxBytes: number;
}

export type Container = "tar.gz" | "tar" | "zip";

/** The container, by its first bytes: gzip's 1f 8b, zip's PK\x03\x04 (an .npz too), or tar's "ustar" at 257. */
export async function detectContainer(file: string): Promise<Container> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "tar.gz";
    if (bytesRead >= 4 && head.toString("latin1", 0, 4) === "PK\x03\x04") return "zip";
    if (bytesRead >= 4 && head.toString("latin1", 0, 4) === "PK\x05\x06") {
      throw new DatasetRejection("the zip archive is empty");
    }
    if (bytesRead >= 262 && head.toString("latin1", 257, 262) === "ustar") return "tar";
    throw new DatasetRejection("not a tar.gz, tar, zip or .npz archive (its first bytes match none of them)");
  } finally {
    await handle.close();
  }
}

/** The entry's path split into parts, or a refusal naming it; "" and "." parts are dropped. */
export function entryParts(name: string): string[] {
  if (name.startsWith("/") || name.startsWith("\\") || /^[A-Za-z]:/.test(name)) {
    throw new DatasetRejection(`entry "${name}" has an absolute path`);
  }
  const parts = name.split(/[/\\]/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new DatasetRejection(`entry "${name}" has a ".." path`);
  return parts;
}

/** Counts entries and unpacked bytes against the limits, and keeps each file's path unique. */
class Budget {
  private files = 0;
  private bytes = 0;
  private readonly seen = new Set<string>();
  /** Directories created so far, so each is made once. */
  readonly made = new Set<string>();
  constructor(private readonly limits: ArchiveLimits) {}

  entry(parts: string[], name: string): void {
    if (++this.files > this.limits.maxFiles) {
      throw new DatasetRejection(`the archive holds more than ${this.limits.maxFiles} entries (the limit)`, 413);
    }
    const key = parts.join("/");
    if (this.seen.has(key)) throw new DatasetRejection(`entry "${name}" appears twice`);
    this.seen.add(key);
  }

  /** Counts `n` more unpacked bytes; a refusal once the total passes the limit. */
  count(n: number): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxBytes) {
      throw new DatasetRejection(`the archive unpacks to more than ${this.limits.maxBytes} bytes (the limit)`, 413);
    }
  }

  /** A transform that counts bytes through it and fails once the total passes the limit. */
  meter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        try {
          this.count(chunk.length);
          done(null, chunk);
        } catch (err) {
          done(err as Error);
        }
      },
    });
  }

  get totals() {
    return { files: this.files, bytes: this.bytes };
  }
}

/** Entries up to this size are read whole and written at once: an archive of small images holds tens of thousands. */
const SMALL_ENTRY = 1024 * 1024;

async function writeEntry(dest: string, parts: string[], source: Readable, size: number, budget: Budget) {
  const path = join(dest, ...parts);
  const dir = dirname(path);
  if (!budget.made.has(dir)) {
    await mkdir(dir, { recursive: true });
    budget.made.add(dir);
  }
  if (size > SMALL_ENTRY) {
    await pipeline(source, budget.meter(), createWriteStream(path, { flags: "wx" }));
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of source) {
    budget.count((chunk as Buffer).length);
    chunks.push(chunk as Buffer);
  }
  await writeFile(path, Buffer.concat(chunks), { flag: "wx" });
}

/** Why an archive could not be read, unless the refusal is already ours. */
const corrupt = (err: unknown, container: Container) =>
  err instanceof DatasetRejection
    ? err
    : new DatasetRejection(`the ${container} archive is truncated or corrupt (${(err as Error).message})`);

async function extractTar(file: string, dest: string, gzip: boolean, budget: Budget): Promise<void> {
  const extract = tarExtract();
  const entries = (async () => {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      const parts = entryParts(name);
      if (type === "symlink" || type === "link") {
        throw new DatasetRejection(`entry "${name}" is a ${type === "link" ? "hard link" : "symbolic link"}`);
      }
      if (type !== "file" && type !== "contiguous-file" && type !== "directory") {
        throw new DatasetRejection(`entry "${name}" is a ${type}, not a file or directory`);
      }
      if (parts.length === 0) {
        entry.resume();
        continue;
      }
      budget.entry(parts, name);
      if (type === "directory") {
        await mkdir(join(dest, ...parts), { recursive: true });
        entry.resume();
      } else await writeEntry(dest, parts, entry as unknown as Readable, entry.header.size ?? 0, budget);
    }
  })();
  const source = gzip ? [createReadStream(file), createGunzip()] : [createReadStream(file)];
  // Both sides fail together: a bad entry stops the reading, a truncated stream stops the entries.
  const feeding = pipeline([...source, extract] as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream]);
  const results = await Promise.allSettled([entries, feeding]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    extract.destroy();
    const ours = results.find(
      (r): r is PromiseRejectedResult => r.status === "rejected" && r.reason instanceof DatasetRejection,
    );
    throw ours?.reason ?? failed.reason;
  }
}

function extractZip(file: string, dest: string, limits: ArchiveLimits, budget: Budget): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error("unreadable"));
      const fail = (e: unknown) => {
        zip.close();
        reject(e);
      };
      if (zip.entryCount > limits.maxFiles) {
        return fail(new DatasetRejection(`the archive holds more than ${limits.maxFiles} entries (the limit)`, 413));
      }
      zip.on("error", fail);
      zip.on("end", () => resolve());
      zip.on("entry", (entry: yauzl.Entry) => {
        void (async () => {
          const name = entry.fileName;
          const parts = entryParts(name);
          // Unix modes live in the high half of the external attributes; 0o120000 is a symbolic link.
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
          if (mode === 0o120000) throw new DatasetRejection(`entry "${name}" is a symbolic link`);
          if (mode !== 0 && mode !== 0o100000 && mode !== 0o040000) {
            throw new DatasetRejection(`entry "${name}" is not a file or directory`);
          }
          if (parts.length === 0) return;
          budget.entry(parts, name);
          if (name.endsWith("/") || mode === 0o040000) {
            await mkdir(join(dest, ...parts), { recursive: true });
            return;
          }
          if (entry.uncompressedSize > limits.maxBytes) {
            throw new DatasetRejection(
              `entry "${name}" unpacks to more than ${limits.maxBytes} bytes (the limit)`,
              413,
            );
          }
          const stream = await new Promise<Readable>((res, rej) =>
            zip.openReadStream(entry, (e, s) => (e || !s ? rej(e) : res(s))),
          );
          await writeEntry(dest, parts, stream, entry.uncompressedSize, budget);
        })().then(() => zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  });
}

/** Unpacks `file` into `dest` (created); returns the container and what it held. */
export async function extractArchive(
  file: string,
  dest: string,
  limits: ArchiveLimits,
): Promise<{ container: Container; files: number; bytes: number }> {
  const container = await detectContainer(file);
  await mkdir(dest, { recursive: true });
  const budget = new Budget(limits);
  try {
    if (container === "zip") await extractZip(file, dest, limits, budget);
    else await extractTar(file, dest, container === "tar.gz", budget);
  } catch (err) {
    throw corrupt(err, container);
  }
  return { container, ...budget.totals };
}

// The artifact store in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW; docs/deployment.md, "Artifact store").
// The pipeline reads and writes plain directories, so a search's work and output directories are local copies under
// `localDir`: `workDir` brings the search's checkpoints down from the bucket (the bucket is the truth: a worker
// that resumes another's search starts from what that one last saved), `saveWorkDir` sends back the files that
// changed, `outDir` and `publishOutputs` do the same for the outputs. Objects carry their SHA-256 in their metadata
// (`x-amz-meta-sha256`), so `stat` answers from a HEAD request and a sync skips files that did not change.
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import {
  type ArtifactStore,
  filesUnder,
  KEPT_OUTPUTS,
  keyParts,
  type StoredArtifact,
  searchKey,
  sha256Of,
} from "./artifact-store";

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ("" for none), without leading or trailing "/". */
  prefix: string;
  /** The server's URL for S3-compatible stores (MinIO, Ceph); AWS's own endpoint when absent. */
  endpoint?: string;
  region: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`: what MinIO and Ceph expect by default. */
  forcePathStyle: boolean;
  /** Static credentials; when absent the SDK's own chain (AWS_ACCESS_KEY_ID, a profile, an instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Local directory for the work and output directories of the searches this process runs. */
  localDir: string;
  /** Bytes per part of a multipart upload (at least 5 MiB, S3's minimum). */
  partSize?: number;
  /** How often a running search's work directory is saved to the bucket (ARTIFACTS_SAVE_MS). */
  saveEveryMs: number;
}

/**
 * A local file as it was when it was last synced with its object, and that object's ETag: a sync skips a file whose
 * size and time did not change while its object is the same one (checkpoints keep their size from one save to the
 * next, so the ETag is what tells another worker's save apart).
 */
interface Synced {
  size: number;
  mtimeMs: number;
  etag: string;
  sha256?: string;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export class S3ArtifactStore implements ArtifactStore {
  readonly client: S3Client;
  readonly saveEveryMs: number;
  private readonly synced = new Map<string, Synced>();

  constructor(readonly options: S3StoreOptions) {
    this.saveEveryMs = options.saveEveryMs;
    const config: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      // Checksums only where S3 requires them: MinIO and Ceph releases before 2025 refuse the trailing checksums the
      // SDK would otherwise add to every upload. Integrity is checked end to end by our own SHA-256 instead.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    };
    if (options.endpoint) config.endpoint = options.endpoint;
    if (options.credentials) config.credentials = options.credentials;
    this.client = new S3Client(config);
  }

  /** The object key of an artifact key. */
  objectKey(key: string): string {
    const parts = keyParts(key).join("/");
    return this.options.prefix ? `${this.options.prefix}/${parts}` : parts;
  }

  uriOf(key: string): string {
    return `s3://${this.options.bucket}/${this.objectKey(key)}`;
  }

  /** The store's own place, "s3://bucket/prefix/", for messages. */
  get root(): string {
    return `s3://${this.options.bucket}/${this.options.prefix ? `${this.options.prefix}/` : ""}`;
  }

  private localPath(key: string): string {
    return join(this.options.localDir, ...keyParts(key));
  }

  /** The bucket exists and the credentials may use it; otherwise a message naming the setting to fix. */
  async check(): Promise<void> {
    const { bucket, endpoint } = this.options;
    const where = endpoint ?? `AWS (${this.options.region})`;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(10_000) });
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) {
        throw new Error(`ARTIFACTS_URL: bucket "${bucket}" does not exist at ${where}: create it, or name another`);
      }
      if (status === 403 || status === 401) {
        throw new Error(
          `ARTIFACTS_URL: bucket "${bucket}" at ${where} refused these credentials (${status}): ` +
            "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        );
      }
      const e = err as NodeJS.ErrnoException;
      throw new Error(
        `the artifact store's S3 server at ${where} is unreachable (${e.code ?? e.name}: ${e.message}): ` +
          "start it, or fix ARTIFACTS_S3_ENDPOINT",
      );
    }
  }

  async workDir(searchId: string): Promise<string> {
    const prefix = searchKey(searchId, "work");
    await this.pull(prefix, () => true);
    const dir = this.localPath(prefix);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async saveWorkDir(searchId: string): Promise<void> {
    await this.push(searchKey(searchId, "work"));
  }

  async outDir(searchId: string): Promise<string> {
    const prefix = searchKey(searchId, "out");
    const dir = this.localPath(prefix);
    // As in the local store: outputs are written again by the run that publishes them, except the final phase's
    // trained bundles, which are brought down so the pipeline can reuse them (docs/deployment.md, "The final phase").
    await rm(dir, { recursive: true, force: true });
    await this.pull(prefix, (relativeKey) => KEPT_OUTPUTS.has(relativeKey.split("/")[0]!));
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async publishOutputs(searchId: string): Promise<StoredArtifact[]> {
    return this.push(searchKey(searchId, "out"));
  }

  async put(key: string, data: string | Uint8Array | Readable): Promise<StoredArtifact> {
    if (typeof data === "string" || data instanceof Uint8Array) {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      await this.upload(key, bytes, sha256);
      return { key, size: bytes.byteLength, sha256, uri: this.uriOf(key) };
    }
    // A stream's digest is known only at its end, and metadata goes with an upload's first request: the stream is
    // uploaded under a temporary key, then copied inside the bucket with its digest (no bytes through this process)
    // and the temporary object removed. Readers of `key` see the whole object or none, as with the local store.
    const hash = createHash("sha256");
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const temp = `${key}.tmp-${randomUUID()}`;
    try {
      await Promise.all([pipeline(data, tap), this.upload(temp, tap)]);
      const sha256 = hash.digest("hex");
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.options.bucket,
          Key: this.objectKey(key),
          CopySource: `${this.options.bucket}/${encodeURIComponent(this.objectKey(temp)).replace(/%2F/g, "/")}`,
          MetadataDirective: "REPLACE",
          Metadata: { sha256 },
        }),
      );
      return { key, size, sha256, uri: this.uriOf(key) };
    } finally {
      await this.remove([this.objectKey(temp)]).catch(() => undefined);
    }
  }

  async stat(key: string): Promise<StoredArtifact | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }),
      );
      const sha256 = head.Metadata?.sha256;
      if (!sha256) throw new Error(`object ${this.uriOf(key)} has no sha256 metadata: it was not written by vitnas`);
      return { key, size: head.ContentLength ?? 0, sha256, uri: this.uriOf(key) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async open(key: string): Promise<Readable> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }),
      );
      return object.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new Error(`artifact "${key}" not found in ${this.root}`);
      throw err;
    }
  }

  /** Uploads in parts of `partSize` (S3's multipart upload), so a large file never sits whole in memory. */
  private async upload(key: string, body: Uint8Array | Readable, sha256?: string): Promise<string> {
    const upload = new Upload({
      client: this.client,
      partSize: this.options.partSize ?? DEFAULT_PART_SIZE,
      queueSize: 2,
      params: {
        Bucket: this.options.bucket,
        Key: this.objectKey(key),
        Body: body,
        ...(sha256 ? { Metadata: { sha256 } } : {}),
      },
    });
    const done = await upload.done();
    return done.ETag ?? "";
  }

  /** Every object under the artifact key `prefix` as artifact keys relative to it, with size and digest. */
  private async list(prefix: string): Promise<Map<string, { size: number; etag: string }>> {
    const objectPrefix = `${this.objectKey(prefix)}/`;
    const found = new Map<string, { size: number; etag: string }>();
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: objectPrefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const relativeKey = object.Key!.slice(objectPrefix.length);
        // Temporary objects of uploads in progress or abandoned (see `put`) are nobody's files.
        if (!relativeKey.includes(".tmp-")) found.set(relativeKey, { size: object.Size ?? 0, etag: object.ETag ?? "" });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  private async remove(objectKeys: string[]): Promise<void> {
    // DeleteObjects takes at most 1,000 keys a request.
    for (let i = 0; i < objectKeys.length; i += 1000) {
      const batch = objectKeys.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  /**
   * Makes the local directory of `prefix` what the bucket holds under it (the files `wanted` selects): objects that
   * differ from the local file are downloaded (to a temporary file, then renamed), local files without an object
   * are removed.
   */
  private async pull(prefix: string, wanted: (relativeKey: string) => boolean): Promise<void> {
    const dir = this.localPath(prefix);
    const remote = await this.list(prefix);
    for (const file of await collect(filesUnder(dir))) {
      const relativeKey = relative(dir, file).split(sep).join("/");
      if (!remote.has(relativeKey) || !wanted(relativeKey)) await rm(file, { force: true });
    }
    for (const [relativeKey, object] of remote) {
      if (!wanted(relativeKey)) continue;
      const key = `${prefix}/${relativeKey}`;
      const path = this.localPath(key);
      const local = await stat(path).catch(() => undefined);
      const known = this.synced.get(path);
      if (
        local &&
        known &&
        known.etag === object.etag &&
        local.size === known.size &&
        local.mtimeMs === known.mtimeMs
      ) {
        continue;
      }
      await mkdir(dirname(path), { recursive: true });
      const temp = `${path}.tmp-${randomUUID()}`;
      try {
        await pipeline(await this.open(key), createWriteStream(temp));
        await rename(temp, path);
      } finally {
        await rm(temp, { force: true });
      }
      const written = await stat(path);
      this.synced.set(path, { size: written.size, mtimeMs: written.mtimeMs, etag: object.etag });
    }
  }

  /**
   * Sends the local directory of `prefix` to the bucket: files changed since their last sync are uploaded with
   * their digest, objects without a local file are removed. Returns every file, as the local store describes them.
   */
  private async push(prefix: string): Promise<StoredArtifact[]> {
    const dir = this.localPath(prefix);
    const remote = await this.list(prefix);
    const stored: StoredArtifact[] = [];
    const present = new Set<string>();
    for await (const file of filesUnder(dir)) {
      const relativeKey = relative(dir, file).split(sep).join("/");
      present.add(relativeKey);
      const key = `${prefix}/${relativeKey}`;
      const before = await stat(file);
      const known = this.synced.get(file);
      const object = remote.get(relativeKey);
      const unchanged =
        known?.sha256 !== undefined &&
        object?.etag === known.etag &&
        known.size === before.size &&
        known.mtimeMs === before.mtimeMs;
      const sha256 = unchanged ? known.sha256! : await sha256Of(file);
      const etag = unchanged ? known.etag : await this.upload(key, createReadStream(file), sha256);
      // A file rewritten while it was read (a checkpoint saved meanwhile) is sent again by the next sync.
      const after = await stat(file);
      if (after.mtimeMs === before.mtimeMs && after.size === before.size) {
        this.synced.set(file, { size: before.size, mtimeMs: before.mtimeMs, etag, sha256 });
      } else {
        this.synced.delete(file);
      }
      stored.push({ key, size: before.size, sha256, uri: this.uriOf(key) });
    }
    const gone = [...remote.keys()].filter((relativeKey) => !present.has(relativeKey));
    await this.remove(gone.map((relativeKey) => this.objectKey(`${prefix}/${relativeKey}`)));
    return stored;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

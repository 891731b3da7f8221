// Which artifact store an install uses, from its environment (docs/deployment.md, "Artifact store"): the directory
// ARTIFACTS_DIR by default, or a bucket when ARTIFACTS_URL is `s3://bucket/prefix`. The API and every worker must be
// given the same one.
import { type ArtifactStore, LocalArtifactStore } from "./artifact-store";
import { S3ArtifactStore, type S3StoreOptions } from "./s3-artifact-store";

export type ArtifactStoreSettings =
  | { kind: "local"; dir: string }
  | ({ kind: "s3" } & Omit<S3StoreOptions, "credentials">);

/** A bad setting, named. */
export class ArtifactSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactSettingsError";
  }
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/some/prefix` -> bucket and prefix (no leading or trailing "/"). */
export function parseArtifactsUrl(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new ArtifactSettingsError(`ARTIFACTS_URL must be s3://bucket/prefix, got "${url}"`);
  const bucket = match[1]!;
  if (!BUCKET.test(bucket)) {
    throw new ArtifactSettingsError(
      `ARTIFACTS_URL: "${bucket}" is not a bucket name (3-63 lower-case letters, digits, dots and hyphens)`,
    );
  }
  const prefix = match[2]!.replace(/\/+$/, "");
  if (prefix !== "" && prefix.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new ArtifactSettingsError(`ARTIFACTS_URL: the prefix "${prefix}" has an empty, "." or ".." part`);
  }
  return { bucket, prefix };
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new ArtifactSettingsError(`${name} must be true or false, got "${value}"`);
}

export function artifactSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ArtifactStoreSettings {
  const dir = env.ARTIFACTS_DIR || "./artifacts";
  if (!env.ARTIFACTS_URL) return { kind: "local", dir };
  const { bucket, prefix } = parseArtifactsUrl(env.ARTIFACTS_URL);
  const endpoint = env.ARTIFACTS_S3_ENDPOINT || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new ArtifactSettingsError(`ARTIFACTS_S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  }
  const saveEveryMs = Number(env.ARTIFACTS_SAVE_MS || 30_000);
  if (!Number.isInteger(saveEveryMs) || saveEveryMs < 1000) {
    throw new ArtifactSettingsError(
      `ARTIFACTS_SAVE_MS must be a whole number of milliseconds >= 1000, got "${env.ARTIFACTS_SAVE_MS}"`,
    );
  }
  return {
    kind: "s3",
    bucket,
    prefix,
    ...(endpoint ? { endpoint } : {}),
    region: env.ARTIFACTS_S3_REGION || env.AWS_REGION || "us-east-1",
    // MinIO and Ceph serve buckets under the path by default; AWS under the host name.
    forcePathStyle: flag(env, "ARTIFACTS_S3_PATH_STYLE", endpoint !== undefined),
    // The local copies of the work and output directories of the searches a worker runs.
    localDir: dir,
    saveEveryMs,
  };
}

/** The store the settings name; credentials come from the SDK's chain (AWS_ACCESS_KEY_ID and the others). */
export function createArtifactStore(settings: ArtifactStoreSettings): ArtifactStore {
  if (settings.kind === "local") return new LocalArtifactStore(settings.dir);
  const { kind: _kind, ...options } = settings;
  return new S3ArtifactStore(options);
}

/** Where the store is, for logs (no credentials are ever part of it). */
export function describeArtifactStore(settings: ArtifactStoreSettings): string {
  if (settings.kind === "local") return settings.dir;
  const where = settings.prefix ? `s3://${settings.bucket}/${settings.prefix}` : `s3://${settings.bucket}`;
  return settings.endpoint ? `${where} at ${settings.endpoint}` : where;
}

import { describe, expect, it } from "vitest";
import { artifactSettingsFromEnv, describeArtifactStore, parseArtifactsUrl } from "../src/artifact-settings";

describe("artifact store settings", () => {
  it("keeps the local directory by default", () => {
    expect(artifactSettingsFromEnv({})).toEqual({ kind: "local", dir: "./artifacts" });
    expect(artifactSettingsFromEnv({ ARTIFACTS_DIR: "/srv/a" })).toEqual({ kind: "local", dir: "/srv/a" });
  });

  it("reads a bucket and prefix from ARTIFACTS_URL, path-style by default with an endpoint", () => {
    expect(parseArtifactsUrl("s3://vitnas")).toEqual({ bucket: "vitnas", prefix: "" });
    expect(parseArtifactsUrl("s3://vitnas/team/prod/")).toEqual({ bucket: "vitnas", prefix: "team/prod" });
    const minio = artifactSettingsFromEnv({
      ARTIFACTS_URL: "s3://vitnas/prod",
      ARTIFACTS_S3_ENDPOINT: "http://minio:9000",
      ARTIFACTS_DIR: "/scratch",
    });
    expect(minio).toEqual({
      kind: "s3",
      bucket: "vitnas",
      prefix: "prod",
      endpoint: "http://minio:9000",
      region: "us-east-1",
      forcePathStyle: true,
      localDir: "/scratch",
      saveEveryMs: 30_000,
    });
    expect(describeArtifactStore(minio)).toBe("s3://vitnas/prod at http://minio:9000");
    const aws = artifactSettingsFromEnv({ ARTIFACTS_URL: "s3://vitnas", AWS_REGION: "eu-west-1" });
    expect(aws).toMatchObject({ region: "eu-west-1", forcePathStyle: false, saveEveryMs: 30_000 });
    expect(aws).not.toHaveProperty("endpoint");
    expect(artifactSettingsFromEnv({ ARTIFACTS_URL: "s3://vitnas", ARTIFACTS_S3_PATH_STYLE: "true" })).toMatchObject({
      forcePathStyle: true,
    });
  });

  it("names the setting that is wrong", () => {
    expect(() => artifactSettingsFromEnv({ ARTIFACTS_URL: "https://vitnas" })).toThrow(
      'ARTIFACTS_URL must be s3://bucket/prefix, got "https://vitnas"',
    );
    expect(() => parseArtifactsUrl("s3://Bad_Bucket/x")).toThrow('ARTIFACTS_URL: "Bad_Bucket" is not a bucket name');
    expect(() => parseArtifactsUrl("s3://vitnas/a//b")).toThrow('the prefix "a//b" has an empty');
    expect(() => parseArtifactsUrl("s3://vitnas/../b")).toThrow('the prefix "../b"');
    expect(() =>
      artifactSettingsFromEnv({ ARTIFACTS_URL: "s3://vitnas", ARTIFACTS_S3_ENDPOINT: "minio:9000" }),
    ).toThrow('ARTIFACTS_S3_ENDPOINT must be an http(s) URL, got "minio:9000"');
    expect(() => artifactSettingsFromEnv({ ARTIFACTS_URL: "s3://vitnas", ARTIFACTS_S3_PATH_STYLE: "yes" })).toThrow(
      'ARTIFACTS_S3_PATH_STYLE must be true or false, got "yes"',
    );
    expect(() => artifactSettingsFromEnv({ ARTIFACTS_URL: "s3://vitnas", ARTIFACTS_SAVE_MS: "10" })).toThrow(
      'ARTIFACTS_SAVE_MS must be a whole number of milliseconds >= 1000, got "10"',
    );
  });
});

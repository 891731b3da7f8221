// Downloads with the artifact store in an S3-compatible bucket (docs/deployment.md, "Artifact store"): the API builds a
// bundle's archive once, from the objects the worker stored, keeps it in the bucket and streams it from there.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type S3ArtifactStore, searchKey } from "@vitnas/artifacts";
import { x as extractTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Server, startS3Server } from "../../../packages/artifacts/test/s3-server";
import { type Harness, startHarness } from "./harness";

const started = await startS3Server("vitnas-api-test").then(
  (server) => ({ server }),
  (err: Error) => ({ reason: err.message }),
);
const server: S3Server | undefined = "server" in started ? started.server : undefined;
if (!server) console.warn(`skipping the API's S3 download tests: ${"reason" in started ? started.reason : ""}`);

let h: Harness;
let store: S3ArtifactStore;
let scratch: string;
let team: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

beforeAll(async () => {
  if (!server) return;
  scratch = await mkdtemp(join(tmpdir(), "api-s3-"));
  store = server.store(scratch, { partSize: 5 * 1024 * 1024 });
  h = await startHarness({ artifacts: store });
  ({ team, searchId } = await h.searchWithCandidates("s3-downloads"));
});
afterAll(async () => {
  await h?.close();
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe.runIf(server)("bundle download from an S3 store", () => {
  it("streams the archive kept in the bucket, with its digest and length, the same bytes every time", async () => {
    const files: Record<string, Buffer> = {
      "arch.json": Buffer.from('{"format":"vit-arch/v1"}'),
      // Larger than one part of a multipart upload, and incompressible.
      "weights.bin": randomBytes(6 * 1024 * 1024),
      "README.md": Buffer.from("# a1\n"),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const stored = await store.put(searchKey(searchId, "out", "architectures", "a1", name), bytes);
      await h.db.artifacts.record({ searchId, archHash: "a1", kind: "bundle", ...stored, path: stored.key });
    }
    const get = () =>
      h.app.inject({ method: "GET", url: `/v1/searches/${searchId}/architectures/a1/download`, headers: team.auth });
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/gzip");
    expect(res.headers["x-content-sha256"]).toBe(sha256(res.rawPayload));
    expect(Number(res.headers["content-length"])).toBe(res.rawPayload.length);

    const listed = await store.client.send(
      new ListObjectsV2Command({ Bucket: server!.bucket, Prefix: `${store.options.prefix}/archives/` }),
    );
    expect(listed.Contents?.map((o) => o.Size)).toEqual([res.rawPayload.length]);
    const again = await get();
    expect(again.rawPayload.equals(res.rawPayload)).toBe(true);

    const dir = await mkdtemp(join(tmpdir(), "s3-bundle-"));
    try {
      await writeFile(join(dir, "b.tar.gz"), res.rawPayload);
      await extractTar({ file: join(dir, "b.tar.gz"), cwd: dir });
      for (const [name, bytes] of Object.entries(files)) {
        expect((await readFile(join(dir, "a1", name))).equals(bytes)).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a bundle whose stored object no longer matches its recorded digest", async () => {
    const stored = await store.put(searchKey(searchId, "out", "architectures", "a2", "arch.json"), "{}");
    await h.db.artifacts.record({ searchId, archHash: "a2", kind: "bundle", ...stored, path: stored.key });
    await store.put(stored.key, "[]");
    const res = await h.app.inject({
      method: "GET",
      url: `/v1/searches/${searchId}/architectures/a2/download`,
      headers: team.auth,
    });
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toBe("internal_error");
  });
});

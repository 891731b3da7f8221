// /v1/datasets against the real Postgres and a local artifact store: an upload accepted with what it holds, the same
// bytes again being the same dataset, teams kept apart, jobs naming one by id (resolved at submission, fetched by a
// worker's cache by digest), deletion, and every refusal answered 4xx with nothing left stored.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { cachedUpload, datasetKey, LocalArtifactStore, storeDatasetBlobs } from "@vitnas/artifacts";
import { loadDataset } from "@vitnas/datasets";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idxBytes } from "../../../packages/datasets/test/idx-fixture";
import { folderEntries, idxEntries, tarArchive } from "../../../packages/datasets/test/upload-fixtures";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
let storeDir: string;
let store: LocalArtifactStore;
let team: Awaited<ReturnType<Harness["team"]>>;
let other: Awaited<ReturnType<Harness["team"]>>;
let folder: Buffer;

const LIMITS = { uploadBytes: 200_000, files: 40, unpackedBytes: 1_000_000 };

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), "datasets-store-"));
  store = new LocalArtifactStore(storeDir);
  h = await startHarness({ datasetBlobs: storeDatasetBlobs(store), datasetLimits: LIMITS });
  team = await h.team();
  other = await h.team();
  folder = await tarArchive(await folderEntries("pets/", ["cat", "dog", "eel", "fox"], 5));
});
afterAll(async () => {
  await h?.close();
  await rm(storeDir, { recursive: true, force: true });
});

const upload = (body: Buffer | Readable, auth = team.auth, query = "") =>
  h.app.inject({
    method: "POST",
    url: `/v1/datasets${query}`,
    headers: { ...auth, "content-type": "application/gzip" },
    payload: body,
  });

/** Nothing of a refused upload is left: no row, no stored bytes, no file in progress. */
async function nothingStored(): Promise<void> {
  expect((await h.db.pool.query("SELECT count(*)::int AS n FROM datasets")).rows[0].n).toBe(accepted);
  const stored = (await readdir(join(storeDir, "datasets"))).filter((d) => d !== ".incoming");
  expect(stored.length).toBe(acceptedDigests);
  expect(await readdir(join(storeDir, "datasets", ".incoming"))).toEqual([]);
}
let accepted = 0;
let acceptedDigests = 0;

describe("uploads", () => {
  let id: string;
  let sha256: string;

  it("accepts a tar.gz of class folders: classes, counts, size, channels, a preview; stored under its digest", async () => {
    const res = await upload(folder, team.auth, "?name=pets");
    expect(res.statusCode).toBe(201);
    const body = res.json();
    ({ id, sha256 } = body);
    expect(body).toMatchObject({
      name: "pets",
      format: "folder",
      sizeBytes: folder.length,
      classes: 4,
      classNames: ["cat", "dog", "eel", "fox"],
      perClass: [5, 5, 5, 5],
      train: 20,
      test: null,
      imageSize: 8,
      channels: 3,
      previewUrl: `/v1/datasets/${id}/preview.png`,
    });
    accepted = 1;
    acceptedDigests = 1;
    expect((await store.stat(datasetKey(sha256)))?.size).toBe(folder.length);
    const preview = await h.app.inject({ method: "GET", url: body.previewUrl, headers: team.auth });
    expect(preview.headers["content-type"]).toBe("image/png");
    expect((await sharp(preview.rawPayload).metadata()).width).toBe(4 * 32);
    await nothingStored();
  });

  it("the same bytes again are the same dataset (200); another team gets its own id; ids stay within a team", async () => {
    const again = await upload(folder, team.auth, "?name=other-name");
    expect([again.statusCode, again.json().id, again.json().name]).toEqual([200, id, "pets"]);
    const theirs = await upload(folder, other.auth);
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().id).not.toBe(id);
    accepted = 2;
    expect((await h.app.inject({ method: "GET", url: `/v1/datasets/${id}`, headers: other.auth })).statusCode).toBe(
      404,
    );
    expect(
      (await h.app.inject({ method: "GET", url: `/v1/datasets/${id}/preview.png`, headers: other.auth })).statusCode,
    ).toBe(404);
    expect((await h.app.inject({ method: "DELETE", url: `/v1/datasets/${id}`, headers: other.auth })).statusCode).toBe(
      404,
    );
    expect((await h.app.inject({ method: "GET", url: "/v1/datasets/not-a-uuid", headers: team.auth })).statusCode).toBe(
      404,
    );
    const list = await h.app.inject({ method: "GET", url: "/v1/datasets", headers: team.auth });
    expect(list.json().datasets.map((d: { id: string }) => d.id)).toEqual([id]);
    await nothingStored();
  });

  it("a job names it by id: resolved at submission (digest and kind), checked against the space, refused for others", async () => {
    const job = (dataset: Record<string, unknown>, classes = 4) => {
      const j = tinyJob("uploaded") as { dataset: unknown; space: { input: { classes: number } } };
      j.dataset = dataset;
      j.space.input.classes = classes;
      return j;
    };
    const submit = (body: unknown, auth = team.auth) =>
      h.app.inject({ method: "POST", url: "/v1/searches", headers: auth, payload: body as object });
    const ok = await submit(job({ kind: "uploaded", id, val: 0.25 }));
    expect(ok.statusCode).toBe(201);
    const stored = await h.db.searches.get(ok.json().id, team.id);
    expect(stored?.job.dataset).toMatchObject({ kind: "uploaded", id, sha256, format: "folder", val: 0.25 });
    const refused = async (body: unknown, path: string, auth = team.auth) => {
      const res = await submit(body, auth);
      expect(res.statusCode).toBe(400);
      expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
      return res.json().message as string;
    };
    expect(await refused(job({ kind: "uploaded", id }), "dataset.id", other.auth)).toMatch(
      /no dataset .* in this team/,
    );
    await refused(job({ kind: "uploaded", id: "00000000-0000-4000-8000-000000000000" }), "dataset.id");
    expect(await refused(job({ kind: "uploaded", id }, 10), "space.input.classes")).toMatch(
      /must be 4, the classes of dataset/,
    );
    expect(await refused(job({ kind: "uploaded", id, val: 3 }), "dataset.val")).toMatch(/fraction/);
    expect(await refused(job({ kind: "uploaded", id, train: 10 }), "dataset.train")).toMatch(
      /not taken by folder uploads/,
    );

    // Deleting it is refused while that search is queued; cancelled, it goes, and its bytes stay for the other team.
    const busy = await h.app.inject({ method: "DELETE", url: `/v1/datasets/${id}`, headers: team.auth });
    expect([busy.statusCode, busy.json().details.searches]).toEqual([409, [ok.json().id]]);
    await h.app.inject({ method: "POST", url: `/v1/searches/${ok.json().id}/cancel`, headers: team.auth });
    expect((await h.app.inject({ method: "DELETE", url: `/v1/datasets/${id}`, headers: team.auth })).statusCode).toBe(
      204,
    );
    expect((await h.app.inject({ method: "GET", url: `/v1/datasets/${id}`, headers: team.auth })).statusCode).toBe(404);
    accepted = 1;
    expect(await store.stat(datasetKey(sha256))).toBeDefined();
    await nothingStored();
  });

  it("a worker fetches an upload by digest into its cache and loads it as its detected kind", async () => {
    const res = await upload(await tarArchive(idxEntries()));
    expect(res.json()).toMatchObject({ format: "idx", classes: 3, train: 12, test: 4, imageSize: 5, channels: 1 });
    accepted++;
    acceptedDigests++;
    const cache = await mkdtemp(join(tmpdir(), "dataset-cache-"));
    try {
      const dir = await cachedUpload(store, cache, res.json().sha256);
      expect(dir).toBe(join(cache, res.json().sha256));
      // A second fetch uses the copy.
      expect(await cachedUpload(store, cache, res.json().sha256)).toBe(dir);
      const spec = {
        kind: "uploaded",
        id: res.json().id,
        sha256: res.json().sha256,
        format: "idx",
        val: 3,
        imageSize: 5,
        seed: 1,
      } as const;
      const data = await loadDataset(spec, { channels: 3 }, { uploads: cache });
      expect([data.train.count, data.val.count, data.test.count, data.train.channels]).toEqual([9, 3, 4, 3]);
      await expect(cachedUpload(store, cache, "f".repeat(64))).rejects.toThrow(/not found/);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});

describe("refused uploads leave nothing stored", () => {
  const refuse = async (body: Buffer | Readable, status: number, message: RegExp) => {
    const res = await upload(body);
    expect(res.statusCode).toBe(status);
    expect(res.json().message).toMatch(message);
    await nothingStored();
    return res.json();
  };
  const png = () => folderEntries("", ["a", "b"], 2);

  it("archives that are truncated or corrupt, or not archives; entries with .. or absolute paths or links", async () => {
    const whole = await tarArchive(await png());
    await refuse(whole.subarray(0, whole.length - 40), 400, /the tar.gz archive is truncated or corrupt/);
    await refuse(
      Buffer.from("a plain text file that is no archive at all"),
      400,
      /not a tar.gz, tar, zip or .npz archive/,
    );
    const entry = (await png())[0]!.data!;
    await refuse(await tarArchive([{ name: "a/../../../evil.png", data: entry }]), 400, /has a ".." path/);
    await refuse(await tarArchive([{ name: "/tmp/evil.png", data: entry }]), 400, /has an absolute path/);
    await refuse(
      await tarArchive([{ name: "a/x.png", type: "symlink", linkname: "/etc/passwd" }]),
      400,
      /is a symbolic link/,
    );
    await refuse(
      await tarArchive([...(await png()), { name: "b/y.png", type: "link", linkname: "a/img0.png" }]),
      400,
      /is a hard link/,
    );
    const json = await h.app.inject({ method: "POST", url: "/v1/datasets", headers: team.auth, payload: { a: 1 } });
    expect(json.statusCode).toBe(400);
  });

  it("non-image files, a class with no images, label/image count mismatches, a wrong IDX magic", async () => {
    const body = await refuse(
      await tarArchive([...(await png()), { name: "b/notes.txt", data: Buffer.from("x") }]),
      400,
      /^b\/notes.txt: not an image/,
    );
    expect(body.error).toBe("invalid_dataset");
    await refuse(await tarArchive([...(await png()), { name: "c/" }]), 400, /^class folder c holds no images$/);
    const labels = idxBytes(
      [11],
      Array.from({ length: 11 }, (_, i) => i % 3),
    );
    await refuse(
      await tarArchive(idxEntries("", 12, { "train-labels-idx1-ubyte": labels })),
      400,
      /11 labels, but train-images-idx3-ubyte holds 12 images/,
    );
    const magic = Buffer.concat([Buffer.from([0x12, 0x34]), idxBytes([4, 5, 5], new Array(100).fill(0)).subarray(2)]);
    await refuse(
      await tarArchive(idxEntries("", 12, { "t10k-images-idx3-ubyte": magic })),
      400,
      /t10k-images-idx3-ubyte: not an IDX file/,
    );
  });

  it("over the size limit (413, declared or streamed), too many files or bytes unpacked (413)", async () => {
    const big = Buffer.alloc(LIMITS.uploadBytes + 1, 7);
    const declared = await refuse(big, 413, /exceeds MAX_DATASET_UPLOAD_BYTES \(200000 bytes\)/);
    expect(declared.error).toBe("payload_too_large");
    // No Content-Length: counted as it streams.
    await refuse(Readable.from([big.subarray(0, 150_000), big.subarray(150_000)]), 413, /MAX_DATASET_UPLOAD_BYTES/);
    const many = await refuse(
      await tarArchive(await folderEntries("", ["a", "b", "c"], 15, 2)),
      413,
      /more than 40 entries/,
    );
    expect(many.error).toBe("dataset_too_large");
    await refuse(
      await tarArchive([{ name: "a/zeros.png", data: Buffer.alloc(2_000_000) }]),
      413,
      /unpacks to more than 1000000 bytes/,
    );
  });
});

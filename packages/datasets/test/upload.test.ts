// Unpacking and checking uploads: every refusal the service must give (paths that escape, links, bombs, truncated or
// corrupt archives, non-image files, empty classes, count mismatches, wrong IDX magic), what each kind is detected
// as with its summary and preview, and an uploaded dataset loaded from where a worker unpacks it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { type ArchiveLimits, DatasetRejection, extractArchive, inspectDataset, loadDataset } from "../src/index";
import { idxBytes } from "./idx-fixture";
import { cifar100Bytes, folderEntries, idxEntries, npzArrays, tarArchive, zipArchive } from "./upload-fixtures";

const scratch = mkdtempSync(join(tmpdir(), "upload-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const LIMITS: ArchiveLimits = { maxFiles: 1000, maxBytes: 10_000_000 };
let n = 0;

/** Writes the archive, unpacks it and inspects it; returns the summary or the refusal. */
async function upload(archive: Buffer, limits = LIMITS) {
  const dir = join(scratch, `u${n++}`);
  writeFileSync(`${dir}.bin`, archive);
  await extractArchive(`${dir}.bin`, dir, limits);
  return { dir, ...(await inspectDataset(dir)) };
}

async function refusal(archive: Buffer, limits = LIMITS): Promise<DatasetRejection> {
  try {
    await upload(archive, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetRejection);
    return err as DatasetRejection;
  }
  throw new Error("the upload was accepted");
}

describe("accepted uploads", () => {
  it("a tar.gz of class folders in one wrapping directory: classes, counts, size, channels, a preview", async () => {
    const { summary, preview } = await upload(await tarArchive(await folderEntries("pets/", ["cat", "dog", "eel"], 4)));
    expect(summary).toMatchObject({
      format: "folder",
      layout: { format: "folder", path: "pets" },
      classes: 3,
      classNames: ["cat", "dog", "eel"],
      perClass: [4, 4, 4],
      train: 12,
      test: null,
      imageSize: 8,
      channels: 3,
    });
    const meta = await sharp(preview).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 96, 32]);
  });

  it("a zip of train/ and test/ folders, IDX files (tar), CIFAR-100 (tar), an .npz as uploaded", async () => {
    const split = await upload(
      await zipArchive([
        ...(await folderEntries("train/", ["a", "b"], 3)),
        ...(await folderEntries("test/", ["a", "b"], 1)),
      ]),
    );
    expect(split.summary).toMatchObject({
      format: "folder",
      layout: { path: "train", testPath: "test" },
      train: 6,
      test: 2,
    });
    const idx = await upload(await tarArchive(idxEntries("mnist/")));
    expect(idx.summary).toMatchObject({
      format: "idx",
      classes: 3,
      perClass: [4, 4, 4],
      train: 12,
      test: 4,
      imageSize: 5,
      channels: 1,
    });
    const cifar = await upload(
      await tarArchive([
        { name: "train.bin", data: cifar100Bytes(200) },
        { name: "test.bin", data: cifar100Bytes(10) },
      ]),
    );
    expect(cifar.summary).toMatchObject({ format: "cifar100", classes: 100, coarseClasses: 20, train: 200, test: 10 });
    const { x, y } = npzArrays(20, 4, 2, 3);
    const npz = await upload(
      await zipArchive([
        { name: "x_train.npy", data: x },
        { name: "y_train.npy", data: y },
      ]),
    );
    expect(npz.summary).toMatchObject({ format: "npz", classes: 2, train: 20, test: null, imageSize: 4, channels: 3 });
  });

  it("loads an uploaded dataset from where it is unpacked, with the detected kind's split options", async () => {
    const { dir, summary } = await upload(await tarArchive(idxEntries("", 30)));
    const uploads = join(dir, "..");
    const sha256 = dir.slice(uploads.length + 1);
    const spec = {
      kind: "uploaded",
      id: "00000000-0000-4000-8000-000000000000",
      sha256,
      format: "idx",
      val: 6,
      imageSize: 5,
      seed: 1,
    } as const;
    const data = await loadDataset(spec, { channels: 1 }, { uploads });
    expect([data.train.count, data.val.count, data.test.count, data.classNames.length]).toEqual([
      24,
      6,
      4,
      summary.classes,
    ]);
    // The digest describes the data: the same upload under another id has the same fingerprint.
    const again = await loadDataset(
      { ...spec, id: "11111111-1111-4111-8111-111111111111" },
      { channels: 1 },
      { uploads },
    );
    expect(again.fingerprint).toBe(data.fingerprint);
    await expect(loadDataset({ ...spec, val: 0.5 }, {}, { uploads })).rejects.toThrow(
      /dataset.val: must be a whole number/,
    );
    await expect(loadDataset({ ...spec, sha256: undefined })).rejects.toThrow(/which the service resolves when/);
    // Without the directory: DATASET_CACHE_DIR, as the workers' training processes inherit it.
    process.env.DATASET_CACHE_DIR = uploads;
    try {
      expect((await loadDataset(spec, { channels: 1 })).fingerprint).toBe(data.fingerprint);
    } finally {
      delete process.env.DATASET_CACHE_DIR;
    }
    await expect(loadDataset(spec)).rejects.toThrow(/is not in .* \(a worker fetches it there first\)/);
  });
});

describe("refused uploads", () => {
  it("entries with .. or absolute paths, symbolic and hard links, in tar and zip", async () => {
    const png = readFileSync(join(scratch, "u0", "pets", "cat", "img0.png"));
    expect((await refusal(await tarArchive([{ name: "a/../../evil.png", data: png }]))).message).toMatch(
      /entry "a\/..\/..\/evil.png" has a ".." path/,
    );
    expect((await refusal(await tarArchive([{ name: "/etc/evil.png", data: png }]))).message).toMatch(
      /has an absolute path/,
    );
    expect(
      (await refusal(await tarArchive([{ name: "a/link.png", type: "symlink", linkname: "/etc/passwd" }]))).message,
    ).toMatch(/is a symbolic link/);
    expect(
      (
        await refusal(
          await tarArchive([
            { name: "a/x.png", data: png },
            { name: "a/y.png", type: "link", linkname: "a/x.png" },
          ]),
        )
      ).message,
    ).toMatch(/is a hard link/);
    expect(
      (await refusal(await zipArchive([{ name: "a/link.png", data: Buffer.from("/etc/passwd"), mode: 0o120777 }])))
        .message,
    ).toMatch(/is a symbolic link/);
  });

  it("too many entries or too many unpacked bytes (413), before unpacking the rest", async () => {
    const many = await tarArchive(await folderEntries("", ["a", "b"], 20));
    const files = await refusal(many, { maxFiles: 10, maxBytes: 10_000_000 });
    expect([files.status, files.message]).toEqual([413, "the archive holds more than 10 entries (the limit)"]);
    // 5 MB of zeros compress to a few kB.
    const bomb = await tarArchive([{ name: "a/zeros.png", data: Buffer.alloc(5_000_000) }]);
    expect(bomb.length).toBeLessThan(20_000);
    const bytes = await refusal(bomb, { maxFiles: 10, maxBytes: 1_000_000 });
    expect([bytes.status, bytes.message]).toEqual([413, "the archive unpacks to more than 1000000 bytes (the limit)"]);
    const zipBomb = await refusal(await zipArchive([{ name: "a/zeros.png", data: Buffer.alloc(5_000_000) }]), {
      maxFiles: 10,
      maxBytes: 1_000_000,
    });
    expect(zipBomb.status).toBe(413);
  });

  it("a truncated or corrupt archive, or something that is no archive", async () => {
    const whole = await tarArchive(await folderEntries("", ["a", "b"], 2));
    expect((await refusal(whole.subarray(0, whole.length - 40))).message).toMatch(
      /the tar.gz archive is truncated or corrupt/,
    );
    const corrupt = Buffer.from(whole);
    corrupt.fill(0x55, 20, 60);
    expect((await refusal(corrupt)).message).toMatch(/the tar.gz archive is truncated or corrupt/);
    const zip = await zipArchive(await folderEntries("", ["a", "b"], 2));
    expect((await refusal(zip.subarray(0, zip.length - 30))).message).toMatch(
      /the zip archive is truncated or corrupt/,
    );
    expect((await refusal(Buffer.from("just some text, long enough to look at"))).message).toMatch(
      /not a tar.gz, tar, zip or .npz archive/,
    );
  });

  it("non-image files in class folders, a class with no images, a file beside the class folders", async () => {
    const classes = await folderEntries("", ["a", "b"], 2);
    expect(
      (await refusal(await tarArchive([...classes, { name: "b/notes.txt", data: Buffer.from("hi") }]))).message,
    ).toBe("b/notes.txt: not an image (a class folder holds PNG/JPEG files only)");
    expect(
      (await refusal(await tarArchive([...classes, { name: "b/fake.png", data: Buffer.from("not a png at all") }])))
        .message,
    ).toMatch(/^b\/fake.png: not a readable image/);
    expect((await refusal(await tarArchive([...classes, { name: "c/" }]))).message).toBe(
      "class folder c holds no images",
    );
    expect(
      (await refusal(await tarArchive([...classes, { name: "README.md", data: Buffer.from("#") }]))).message,
    ).toMatch(/^README.md: a file beside the class folders/);
  });

  it("IDX files with a wrong magic or a label count that differs from the image count; CIFAR records cut short", async () => {
    const entries = idxEntries("");
    const magic = entries.map((e) =>
      e.name === "train-images-idx3-ubyte"
        ? { ...e, data: Buffer.concat([Buffer.from([1, 2]), e.data!.subarray(2)]) }
        : e,
    );
    expect((await refusal(await tarArchive(magic))).message).toBe(
      "train-images-idx3-ubyte: not an IDX file (it must start with two zero bytes)",
    );
    const labels = entries.map((e) =>
      e.name === "train-labels-idx1-ubyte"
        ? {
            ...e,
            data: idxBytes(
              [11],
              Array.from({ length: 11 }, (_, i) => i % 3),
            ),
          }
        : e,
    );
    expect((await refusal(await tarArchive(labels))).message).toBe(
      "train-labels-idx1-ubyte: 11 labels, but train-images-idx3-ubyte holds 12 images",
    );
    const cifar = await refusal(await tarArchive([{ name: "train.bin", data: cifar100Bytes(2).subarray(0, 5000) }]));
    expect(cifar.message).toMatch(/^train.bin: not a CIFAR-100 file/);
  });
});

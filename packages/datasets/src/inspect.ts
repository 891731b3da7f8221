// What an unpacked upload is and holds, decided before the service accepts it: the layout (which kind, where its
// files are) from the file names alone, then every file checked the way its kind's loader reads it (record sizes,
// IDX magic and counts, .npy headers, every image's header), the classes, counts, image size and channels, and a
// PNG of one image per class (docs/datasets.md, "Uploads"). Pixels are not converted to floats here.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { UploadedFormat } from "@vitnas/formats";
import sharp, { type Metadata } from "sharp";
import { DatasetRejection } from "./archive";
import { CIFAR10_CLASSES, cifarClassNames } from "./cifar10";
import { CIFAR100_COARSE_CLASSES, checkCifar100, cifar100ClassNames } from "./cifar100";
import { idxClasses, idxClassNames, idxFiles, readIdxImages } from "./idx";
import { IMAGE_EXTENSIONS } from "./image";
import { npzImages, readNpzArrays } from "./npz";

/** Where an upload's data lies under its root, "/"-separated ("" for the root itself). */
export interface UploadLayout {
  format: UploadedFormat;
  path: string;
  /** A folder upload of train/ and test/: the test split's folder. */
  testPath?: string;
}

export interface DatasetSummary {
  format: UploadedFormat;
  layout: UploadLayout;
  classes: number;
  classNames: string[];
  /** Images per class of the training data, by label. */
  perClass: number[];
  train: number;
  /** Images of the upload's own test split, or null when it has none (one is then held out). */
  test: number | null;
  /** The images' side in pixels, or null when a folder's images differ (they are resized when loaded). */
  imageSize: number | null;
  channels: number;
  /** cifar100: its 20 coarse classes besides the fine ones. */
  coarseClasses?: number;
}

const visible = (name: string) => !name.startsWith(".") && name !== "__MACOSX";

async function listing(dir: string) {
  return (await readdir(dir, { withFileTypes: true })).filter((e) => visible(e.name));
}

/** The layout from names alone; a wrapping directory (the archive of one folder) is stepped into. */
export async function detectLayout(root: string): Promise<UploadLayout> {
  const path: string[] = [];
  let entries = await listing(root);
  while (entries.length === 1 && entries[0]!.isDirectory() && !["train", "test"].includes(entries[0]!.name)) {
    path.push(entries[0]!.name);
    entries = await listing(join(root, ...path));
  }
  const names = new Set(entries.map((e) => e.name));
  const here = path.join("/");
  if (names.has("train.bin")) return { format: "cifar100", path: here };
  if ([...names].some((n) => /^data_batch_\d\.bin$/.test(n))) return { format: "cifar10", path: here };
  if ([...names].some((n) => /idx[13]-ubyte(\.gz)?$/.test(n))) return { format: "idx", path: here };
  if (names.has("x_train.npy")) return { format: "npz", path: here };
  const npz = [...names].filter((n) => n.endsWith(".npz"));
  if (npz.length === 1 && names.size === 1) return { format: "npz", path: [...path, npz[0]!].join("/") };
  const files = entries.filter((e) => !e.isDirectory()).map((e) => e.name);
  if (entries.length === 0) throw new DatasetRejection("the archive holds no files");
  if (files.length > 0) {
    throw new DatasetRejection(
      `${files.slice(0, 3).join(", ")}${files.length > 3 ? "..." : ""}: a file beside the class folders; an upload ` +
        "is class folders of images, IDX files, CIFAR binary files or NumPy x_train/y_train arrays",
    );
  }
  if (names.size === 2 && names.has("train") && names.has("test")) {
    return { format: "folder", path: [...path, "train"].join("/"), testPath: [...path, "test"].join("/") };
  }
  return { format: "folder", path: here };
}

const counts = (labels: ArrayLike<number>, classes: number) => {
  const perClass = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) perClass[labels[i]!]!++;
  return perClass;
};

/** One preview image: HWC bytes of a square image with 1 or 3 channels. */
interface Sample {
  pixels: Uint8Array;
  size: number;
  channels: number;
}

const TILE = 32;
const PREVIEW_CLASSES = 10;

/** The first image of each of the first classes side by side, each scaled to 32 x 32, as a PNG. */
async function previewPng(samples: Sample[]): Promise<Buffer> {
  const tiles = await Promise.all(
    samples.map(async (s) => {
      const rgb = new Uint8Array(s.size * s.size * 3);
      for (let p = 0; p < s.size * s.size; p++) {
        for (let c = 0; c < 3; c++) rgb[p * 3 + c] = s.pixels[p * s.channels + (s.channels === 3 ? c : 0)]!;
      }
      return sharp(rgb, { raw: { width: s.size, height: s.size, channels: 3 } })
        .resize(TILE, TILE, { kernel: "nearest", fit: "fill" })
        .raw()
        .toBuffer();
    }),
  );
  const width = TILE * Math.max(1, tiles.length);
  const grid = Buffer.alloc(width * TILE * 3);
  tiles.forEach((tile, t) => {
    for (let y = 0; y < TILE; y++) tile.copy(grid, (y * width + t * TILE) * 3, y * TILE * 3, (y + 1) * TILE * 3);
  });
  return sharp(grid, { raw: { width, height: TILE, channels: 3 } })
    .png()
    .toBuffer();
}

/** Indices of the first image of each of the first classes, by label. */
function firstIndices(labels: ArrayLike<number>, classes: number): number[] {
  const first = new Map<number, number>();
  for (let i = 0; i < labels.length && first.size < Math.min(classes, PREVIEW_CLASSES); i++) {
    if (!first.has(labels[i]!)) first.set(labels[i]!, i);
  }
  return [...first.entries()].sort((a, b) => a[0] - b[0]).map(([, i]) => i);
}

const firstPerClass = (labels: ArrayLike<number>, classes: number, image: (i: number) => Sample) =>
  firstIndices(labels, classes).map(image);

/** CHW CIFAR record pixels at `at` as HWC. */
function cifarSample(bytes: Uint8Array, at: number): Sample {
  const pixels = new Uint8Array(1024 * 3);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) pixels[p * 3 + c] = bytes[at + c * 1024 + p]!;
  return { pixels, size: 32, channels: 3 };
}

async function inspectCifar10(dir: string) {
  const record = 3073;
  const batches = (await readdir(dir)).filter((n) => /^data_batch_\d\.bin$/.test(n)).sort();
  const all: number[] = [];
  const samples = new Map<number, Sample>();
  for (const name of batches) {
    const bytes = await readFile(join(dir, name));
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw new DatasetRejection(
        `${name}: not a CIFAR-10 batch (${bytes.length} bytes is not a multiple of ${record})`,
      );
    }
    for (let r = 0; r < bytes.length / record; r++) {
      const label = bytes[r * record]!;
      if (label >= 10) throw new DatasetRejection(`${name}: record ${r} has label ${label}, above 9`);
      all.push(label);
      if (!samples.has(label)) samples.set(label, cifarSample(bytes, r * record + 1));
    }
  }
  let test: number | null = null;
  if (existsSync(join(dir, "test_batch.bin"))) {
    const bytes = await readFile(join(dir, "test_batch.bin"));
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw new DatasetRejection(`test_batch.bin: not a CIFAR-10 batch (${bytes.length} bytes)`);
    }
    test = bytes.length / record;
  }
  const sorted = [...samples.entries()].sort((a, b) => a[0] - b[0]).slice(0, PREVIEW_CLASSES);
  return {
    summary: {
      classes: CIFAR10_CLASSES.length,
      classNames: await cifarClassNames(dir),
      perClass: counts(all, 10),
      train: all.length,
      test,
      imageSize: 32,
      channels: 3,
    },
    samples: sorted.map(([, s]) => s),
  };
}

async function inspectCifar100(dir: string) {
  const bytes = await readFile(join(dir, "train.bin"));
  const train = checkCifar100(bytes, "train.bin");
  let test: number | null = null;
  if (existsSync(join(dir, "test.bin"))) test = checkCifar100(await readFile(join(dir, "test.bin")), "test.bin").count;
  return {
    summary: {
      classes: 100,
      classNames: await cifar100ClassNames(dir, "fine"),
      perClass: counts(train.fine, 100),
      train: train.count,
      test,
      imageSize: 32,
      channels: 3,
      coarseClasses: CIFAR100_COARSE_CLASSES.length,
    },
    samples: firstPerClass(train.fine, 100, (i) => cifarSample(bytes, i * 3074 + 2)),
  };
}

async function inspectIdx(dir: string) {
  const files = idxFiles({ kind: "idx", path: dir, val: 1, imageSize: 1, seed: 0 });
  const train = await readIdxImages(files.trainImages, files.trainLabels);
  const test = await readIdxImages(files.testImages, files.testLabels);
  const classes = idxClasses(train.labels, files.trainLabels);
  if (test.size !== train.size) {
    throw new DatasetRejection(
      `the test images are ${test.size}x${test.size}, the training images ${train.size}x${train.size}`,
    );
  }
  const outside = test.labels.findIndex((l) => l >= classes);
  if (outside >= 0)
    throw new DatasetRejection(`test label ${test.labels[outside]} is outside the training labels' 0..${classes - 1}`);
  const n = train.size * train.size;
  return {
    summary: {
      classes,
      classNames: await idxClassNames(dir, classes),
      perClass: counts(train.labels, classes),
      train: train.count,
      test: test.count,
      imageSize: train.size,
      channels: 1,
    },
    samples: firstPerClass(train.labels, classes, (i) => ({
      pixels: train.pixels.subarray(i * n, (i + 1) * n),
      size: train.size,
      channels: 1,
    })),
  };
}

async function inspectNpz(path: string) {
  const arrays = await readNpzArrays(path);
  const train = npzImages(arrays.x_train!, arrays.y_train!, "x_train", "y_train");
  const classes = idxClasses(train.labels, "y_train");
  let test: number | null = null;
  if (arrays.x_test && arrays.y_test) {
    const set = npzImages(arrays.x_test, arrays.y_test, "x_test", "y_test");
    if (set.size !== train.size || set.channels !== train.channels) {
      throw new DatasetRejection(
        `x_test: images of ${set.size}x${set.size}x${set.channels}, x_train's are ${train.size}x${train.size}x${train.channels}`,
      );
    }
    const outside = set.labels.findIndex((l) => l >= classes);
    if (outside >= 0)
      throw new DatasetRejection(`y_test: label ${set.labels[outside]} is outside y_train's 0..${classes - 1}`);
    test = set.count;
  }
  const n = train.size * train.size * train.channels;
  return {
    summary: {
      classes,
      classNames: Array.from({ length: classes }, (_, i) => String(i)),
      perClass: counts(train.labels, classes),
      train: train.count,
      test,
      imageSize: train.size,
      channels: train.channels,
    },
    samples: firstPerClass(train.labels, classes, (i) => ({
      pixels: train.pixels.subarray(i * n, (i + 1) * n),
      size: train.size,
      channels: train.channels,
    })),
  };
}

interface FolderImage {
  path: string;
  label: number;
}

/** Every class folder's images, each header read by sharp; refuses anything that is not a PNG/JPEG image. */
async function folderImages(root: string, dir: string): Promise<{ classNames: string[]; images: FolderImage[] }> {
  const entries = await listing(join(root, dir));
  const classNames = entries.map((e) => e.name).sort();
  if (classNames.length < 2)
    throw new DatasetRejection(`${dir || "the archive"}: ${classNames.length} class folder(s); at least 2`);
  const images: FolderImage[] = [];
  for (const [label, name] of classNames.entries()) {
    const inside = await listing(join(root, dir, name));
    const shown = dir ? `${dir}/${name}` : name;
    for (const entry of inside.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isFile()) throw new DatasetRejection(`${shown}/${entry.name}: a directory inside a class folder`);
      if (!IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) {
        throw new DatasetRejection(`${shown}/${entry.name}: not an image (a class folder holds PNG/JPEG files only)`);
      }
      images.push({ path: `${shown}/${entry.name}`, label });
    }
    if (!images.some((i) => i.label === label)) throw new DatasetRejection(`class folder ${shown} holds no images`);
  }
  return { classNames, images };
}

async function inspectFolder(root: string, layout: UploadLayout) {
  const train = await folderImages(root, layout.path);
  const test = layout.testPath !== undefined ? await folderImages(root, layout.testPath) : undefined;
  if (test && test.classNames.join("\n") !== train.classNames.join("\n")) {
    throw new DatasetRejection(
      `test/ has classes ${test.classNames.join(", ")}, train/ has ${train.classNames.join(", ")}`,
    );
  }
  const sizes = new Set<string>();
  let channels = 1;
  const all = [...train.images, ...(test?.images ?? [])];
  // Headers only, a few at a time: sharp reads them off the main thread.
  for (let start = 0; start < all.length; start += 16) {
    await Promise.all(
      all.slice(start, start + 16).map(async (image) => {
        let meta: Metadata;
        try {
          meta = await sharp(join(root, image.path)).metadata();
        } catch (err) {
          throw new DatasetRejection(`${image.path}: not a readable image (${(err as Error).message})`);
        }
        if (meta.format !== "png" && meta.format !== "jpeg") {
          throw new DatasetRejection(`${image.path}: a ${meta.format} image; PNG and JPEG are read`);
        }
        sizes.add(`${meta.width}x${meta.height}`);
        if ((meta.channels ?? 1) >= 3 && meta.space !== "b-w") channels = 3;
      }),
    );
  }
  const [only] = sizes;
  const square = sizes.size === 1 && only !== undefined && only.split("x")[0] === only.split("x")[1];
  const labels = train.images.map((i) => i.label);
  const samples = await Promise.all(
    firstIndices(labels, train.classNames.length).map(async (index) => {
      const pixels = await sharp(join(root, train.images[index]!.path))
        .removeAlpha()
        .resize(TILE, TILE, { fit: "cover" })
        .toColourspace("srgb")
        .raw()
        .toBuffer();
      return { pixels, size: TILE, channels: 3 };
    }),
  );
  return {
    summary: {
      classes: train.classNames.length,
      classNames: train.classNames,
      perClass: counts(labels, train.classNames.length),
      train: train.images.length,
      test: test ? test.images.length : null,
      imageSize: square ? Number(only!.split("x")[0]) : null,
      channels,
    },
    samples,
  };
}

/**
 * Decides what an unpacked upload is and checks all of it; a refusal names the file (relative to `root`) and the
 * problem. Returns the summary and a PNG preview.
 */
export async function inspectDataset(root: string): Promise<{ summary: DatasetSummary; preview: Buffer }> {
  const layout = await detectLayout(root);
  const at = join(root, layout.path);
  try {
    const inspected =
      layout.format === "cifar10"
        ? await inspectCifar10(at)
        : layout.format === "cifar100"
          ? await inspectCifar100(at)
          : layout.format === "idx"
            ? await inspectIdx(at)
            : layout.format === "npz"
              ? await inspectNpz(at)
              : await inspectFolder(root, layout);
    return {
      summary: { format: layout.format, layout, ...inspected.summary },
      preview: await previewPng(inspected.samples),
    };
  } catch (err) {
    if (err instanceof DatasetRejection) throw err;
    // The loaders name files by their full path; the uploader knows them by their place in the archive.
    const message = (err as Error).message.replaceAll(`${root}/`, "").replaceAll("dataset.path: ", "");
    throw new DatasetRejection(message);
  }
}

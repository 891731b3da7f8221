// Uploading a dataset (docs/datasets.md): Fashion-MNIST's 60,000 training and 10,000 test images through
// POST /v1/datasets, streamed, unpacked, checked and stored, timed with the API process's peak resident memory.
// Two archives, built here from Debian's dataset-fashion-mnist IDX files (UPLOAD_IDX_DIR names another directory):
// the four IDX files as tar.gz, and the same 70,000 images as PNG class folders (train/ and test/) as tar.gz, the
// archive with the most entries to check. `npm run bench -- --only upload`; UPLOAD_PARTS=idx or folder runs one.
import { execFile } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { FASHION_MNIST_CLASSES, packDirectory, readIdx } from "@vitnas/datasets";
import sharp from "sharp";
import type { BenchSection } from "./run";

const root = resolve(import.meta.dirname, "..");
const source = process.env.UPLOAD_IDX_DIR ?? "/usr/share/datasets/fashion-mnist";
const parts = (process.env.UPLOAD_PARTS ?? "idx,folder").split(",");

/** The upload in its own process: its time, status and peak memory. */
async function upload(archive: string) {
  const tsx = join(root, "node_modules", ".bin", "tsx");
  const { stdout } = await promisify(execFile)(tsx, [join(import.meta.dirname, "upload", "server.ts"), archive], {
    cwd: root,
    maxBuffer: 1 << 24,
  });
  const out = JSON.parse(stdout.trim().split("\n").at(-1)!);
  if (out.status !== 201) throw new Error(`upload answered ${out.status}: ${JSON.stringify(out.dataset)}`);
  return out as {
    seconds: number;
    sizeMiB: number;
    peakRssMiB: number;
    startRssMiB: number;
    dataset: { train: number; test: number };
  };
}

/** The IDX images as PNG files under train/<class>/ and test/<class>/. */
async function writeFolders(dir: string) {
  for (const [split, prefix] of [
    ["train", "train"],
    ["test", "t10k"],
  ] as const) {
    const images = await readIdx(join(source, `${prefix}-images-idx3-ubyte.gz`));
    const labels = await readIdx(join(source, `${prefix}-labels-idx1-ubyte.gz`));
    const [count, rows, columns] = images.dims as [number, number, number];
    for (const name of FASHION_MNIST_CLASSES)
      await mkdir(join(dir, split, name.replace("/", "-")), { recursive: true });
    const size = rows * columns;
    for (let start = 0; start < count; start += 64) {
      await Promise.all(
        Array.from({ length: Math.min(64, count - start) }, async (_, k) => {
          const i = start + k;
          const png = await sharp(images.data.subarray(i * size, (i + 1) * size), {
            raw: { width: columns, height: rows, channels: 1 },
          })
            .png()
            .toBuffer();
          const label = FASHION_MNIST_CLASSES[labels.data[i]!]!.replace("/", "-");
          await writeFile(join(dir, split, label, `${i}.png`), png);
        }),
      );
    }
  }
}

export async function bench(): Promise<BenchSection> {
  if (!existsSync(join(source, "train-images-idx3-ubyte.gz"))) {
    return {
      name: "upload",
      figures: { skipped: `no Fashion-MNIST IDX files in ${source} (apt-get install dataset-fashion-mnist)` },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), "bench-upload-"));
  const figures: BenchSection["figures"] = {};
  try {
    if (parts.includes("idx")) {
      const idx = join(dir, "fashion-mnist-idx.tar.gz");
      await pipeline(packDirectory(source), createWriteStream(idx));
      const out = await upload(idx);
      figures["idx tar.gz: images (train + test)"] = out.dataset.train + out.dataset.test;
      figures["idx tar.gz: size MiB"] = out.sizeMiB;
      figures["idx tar.gz: seconds to accept"] = Number(out.seconds.toFixed(2));
      figures["idx tar.gz: API peak RSS MiB (at start)"] = `${out.peakRssMiB} (${out.startRssMiB})`;
    }
    if (parts.includes("folder")) {
      const folders = join(dir, "folders");
      await writeFolders(folders);
      const archive = join(dir, "fashion-mnist-png.tar.gz");
      await pipeline(packDirectory(folders), createWriteStream(archive));
      await rm(folders, { recursive: true, force: true });
      const out = await upload(archive);
      figures["PNG folders tar.gz: images (train + test)"] = out.dataset.train + out.dataset.test;
      figures["PNG folders tar.gz: size MiB"] = out.sizeMiB;
      figures["PNG folders tar.gz: seconds to accept"] = Number(out.seconds.toFixed(2));
      figures["PNG folders tar.gz: API peak RSS MiB (at start)"] = `${out.peakRssMiB} (${out.startRssMiB})`;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { name: "upload", figures };
}

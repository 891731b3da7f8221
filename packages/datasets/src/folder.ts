// An image folder: one sub-directory per class (its name is the class name) of PNG/JPEG files.
import { existsSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { extname, join } from "node:path";
import { IMAGE_EXTENSIONS, readImage } from "./image";
import type { RawImages } from "./raw";

export async function readImageFolder(
  dir: string,
  imageSize: number,
  channels: number,
  field = "dataset.path",
): Promise<{ raw: RawImages; classNames: string[] }> {
  if (!existsSync(dir)) throw new Error(`${field}: ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`${field}: ${dir} is not a directory`);
  const entries = await readdir(dir, { withFileTypes: true });
  const classNames = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  if (classNames.length === 0) throw new Error(`${field}: ${dir} has no class sub-directories`);
  if (classNames.length < 2) throw new Error(`${field}: ${dir} has one class (${classNames[0]}); at least 2`);
  const files: { path: string; label: number }[] = [];
  for (const [label, name] of classNames.entries()) {
    const images = (await readdir(join(dir, name)))
      .filter((f) => !f.startsWith(".") && IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()))
      .sort();
    if (images.length === 0) throw new Error(`${field}: class folder ${join(dir, name)} holds no PNG/JPEG image`);
    files.push(...images.map((f) => ({ path: join(dir, name, f), label })));
  }
  const size = imageSize * imageSize * channels;
  const images = new Float32Array(files.length * size);
  const labels = Int32Array.from(files.map((f) => f.label));
  // Decode a few at a time: sharp works off the main thread, but thousands at once would hold every file in memory.
  for (let start = 0; start < files.length; start += 16) {
    const batch = files.slice(start, start + 16);
    const decoded = await Promise.all(batch.map((f) => readImage(f.path, imageSize, channels)));
    decoded.forEach((pixels, i) => {
      images.set(pixels, (start + i) * size);
    });
  }
  return { raw: { images, labels, count: files.length, imageSize, channels }, classNames };
}

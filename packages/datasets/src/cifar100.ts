// CIFAR-100's binary version: records of a coarse label byte, a fine label byte and 3072 bytes of 32x32 pixels,
// channel-major (all red, then green, then blue), in train.bin and test.bin; the class names in fine_label_names.txt
// and coarse_label_names.txt when present (docs/datasets.md).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RawImages } from "./raw";

export const CIFAR100_FINE_CLASSES =
  "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm".split(
    " ",
  );
export const CIFAR100_COARSE_CLASSES =
  "aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices household_furniture insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1 vehicles_2".split(
    " ",
  );

const SIZE = 32;
const PIXELS = 3 * SIZE * SIZE;
export const CIFAR100_RECORD = 2 + PIXELS;
export type Cifar100Labels = "fine" | "coarse";

/** Checks a file's records (size, label ranges) without decoding pixels; returns the count and the fine labels. */
export function checkCifar100(
  bytes: Uint8Array,
  file: string,
): { count: number; fine: Int32Array; coarse: Int32Array } {
  if (bytes.length === 0 || bytes.length % CIFAR100_RECORD !== 0) {
    throw new Error(`${file}: not a CIFAR-100 file (${bytes.length} bytes is not a multiple of ${CIFAR100_RECORD})`);
  }
  const count = bytes.length / CIFAR100_RECORD;
  const fine = new Int32Array(count);
  const coarse = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const c = bytes[r * CIFAR100_RECORD]!;
    const f = bytes[r * CIFAR100_RECORD + 1]!;
    if (c >= 20) throw new Error(`${file}: record ${r} has coarse label ${c}, above 19`);
    if (f >= 100) throw new Error(`${file}: record ${r} has fine label ${f}, above 99`);
    coarse[r] = c;
    fine[r] = f;
  }
  return { count, fine, coarse };
}

/** Every record of `file` as NHWC [0, 1] pixels with the chosen labels. */
export async function readCifar100(file: string, labels: Cifar100Labels): Promise<RawImages> {
  const bytes = await readFile(file);
  const checked = checkCifar100(bytes, file);
  const images = new Float32Array(checked.count * PIXELS);
  for (let r = 0; r < checked.count; r++) {
    const at = r * CIFAR100_RECORD + 2;
    const out = r * PIXELS;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < SIZE * SIZE; p++) images[out + p * 3 + c] = bytes[at + c * SIZE * SIZE + p]! / 255;
    }
  }
  return {
    images,
    labels: labels === "fine" ? checked.fine : checked.coarse,
    count: checked.count,
    imageSize: SIZE,
    channels: 3,
  };
}

/** train.bin under `dir`; an error names what is missing. */
export function cifar100TrainingFile(dir: string): string {
  if (!existsSync(dir)) throw new Error(`dataset.path: ${dir} does not exist`);
  const file = join(dir, "train.bin");
  if (!existsSync(file)) throw new Error(`dataset.path: ${dir} holds no CIFAR-100 train.bin`);
  return file;
}

/** The names listed beside the data (one per line) when their count is right, else CIFAR-100's own. */
export async function cifar100ClassNames(dir: string, labels: Cifar100Labels): Promise<string[]> {
  const builtin = labels === "fine" ? CIFAR100_FINE_CLASSES : CIFAR100_COARSE_CLASSES;
  const listed = join(dir, `${labels}_label_names.txt`);
  if (!existsSync(listed)) return builtin;
  const names = (await readFile(listed, "utf8")).split(/\r?\n/).filter((line) => line.trim() !== "");
  return names.length === builtin.length ? names.map((n) => n.trim()) : builtin;
}

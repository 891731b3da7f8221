// Small structured image splits for the tests: each class is a different smooth pattern plus noise.
import type { ImageSplit } from "@vitnas/datasets";
import { Random } from "../src/random";

export function patternSplit(count: number, imageSize = 8, classes = 4, seed = 1, channels = 3): ImageSplit {
  const rng = new Random(seed);
  const per = imageSize * imageSize * channels;
  const images = new Float32Array(count * per);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % classes;
    labels[n] = label;
    for (let y = 0; y < imageSize; y++) {
      for (let x = 0; x < imageSize; x++) {
        for (let c = 0; c < channels; c++) {
          const signal = Math.sin(((label + 1) * (x + 2 * y + c)) / 3);
          images[n * per + (y * imageSize + x) * channels + c] = signal + 0.3 * rng.normal();
        }
      }
    }
  }
  return { images, labels, count, imageSize, channels, classes };
}

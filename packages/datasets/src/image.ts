// Decoding one PNG/JPEG file into square pixels in [0, 1], the same way for training folders and for prediction.
import sharp, { type OutputInfo } from "sharp";

export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg"];

/** HWC float pixels in [0, 1]: resized to cover `imageSize` x `imageSize` (centre crop), alpha dropped. */
export async function readImage(path: string, imageSize: number, channels: number): Promise<Float32Array> {
  if (channels !== 1 && channels !== 3) throw new Error(`images can be read with 1 or 3 channels, not ${channels}`);
  let pipeline = sharp(path).removeAlpha().resize(imageSize, imageSize, { fit: "cover" });
  pipeline = channels === 1 ? pipeline.toColourspace("b-w") : pipeline.toColourspace("srgb");
  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw new Error(`${path}: cannot decode image (${(err as Error).message})`);
  }
  const pixels = new Float32Array(imageSize * imageSize * channels);
  // sharp may hand back more channels than asked (e.g. grey + alpha); keep the first `channels`.
  for (let p = 0; p < imageSize * imageSize; p++) {
    for (let c = 0; c < channels; c++) pixels[p * channels + c] = data[p * info.channels + c]! / 255;
  }
  return pixels;
}

// `nas predict <bundle> <image>`: the top-5 classes of one PNG/JPEG image, read and normalised as the model was
// trained (preprocessing.json of the bundle).
import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { SetExit } from "../main";
import { backendProblem } from "./search";
import { BAD_INPUT } from "./validate";

export function register(program: Command, setExit: SetExit): void {
  program
    .command("predict")
    .description("print the top-5 classes of one PNG/JPEG image with an exported model")
    .argument("<bundle-dir>", "an exported architecture directory (out/architectures/<id>)")
    .argument("<image>", "PNG or JPEG file")
    .option("--json", "print a JSON array of {class, probability}")
    .option("--backend <name>", "tfjs backend: tensorflow, wasm or cpu (default: the best available)")
    .action(async (dir: string, image: string, opts: { json?: boolean; backend?: string }) => {
      const fail = (message: string) => {
        process.stderr.write(`${message}\n`);
        setExit(BAD_INPUT);
      };
      const backend = backendProblem(opts.backend);
      if (backend) return fail(backend);
      if (!existsSync(image)) return fail(`image ${image} does not exist`);
      const { loadBundle } = await import("@vitnas/pipeline");
      const { initBackend } = await import("@vitnas/supernet");
      await initBackend({ ...(opts.backend ? { force: opts.backend } : {}), log: null });
      let bundle: Awaited<ReturnType<typeof loadBundle>>;
      try {
        bundle = await loadBundle(dir);
      } catch (err) {
        return fail((err as Error).message);
      }
      const { readImage, normalizePixels } = await import("@vitnas/datasets");
      const tf = await import("@tensorflow/tfjs");
      const { imageSize: s, channels: c, classNames, normalization } = bundle.preprocessing;
      let pixels: Float32Array;
      try {
        pixels = normalizePixels(await readImage(image, s, c), normalization);
      } catch (err) {
        bundle.model.dispose();
        return fail((err as Error).message);
      }
      const probabilities = tf.tidy(() => tf.softmax(bundle.model.predict(tf.tensor4d(pixels, [1, s, s, c]))));
      const p = await probabilities.data();
      probabilities.dispose();
      bundle.model.dispose();
      const top = [...p]
        .map((probability, i) => ({ class: classNames[i] ?? String(i), probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, 5);
      if (opts.json) process.stdout.write(`${JSON.stringify(top)}\n`);
      else for (const t of top) process.stdout.write(`${(100 * t.probability).toFixed(2).padStart(6)}%  ${t.class}\n`);
    });
}

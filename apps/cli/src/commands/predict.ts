// `nas predict <bundle> <image>`: the top-5 classes of one PNG/JPEG image, read and normalised as the model was
// trained (preprocessing.json of the bundle). `--runtime onnx` runs the model in ONNX Runtime instead and measures
// its batch-1 latency (onnx-run.ts).
import { existsSync } from "node:fs";
import type { Tensor2D } from "@tensorflow/tfjs";
import type { Command } from "commander";
import type { SetExit } from "../command";
import type { OnnxLatency } from "./onnx-run";
import { backendProblem } from "./search";
import { BAD_INPUT } from "./validate";

const RUNTIMES = ["tfjs", "onnx"];
/** Untimed runs before the timed ones: ONNX Runtime allocates and plans on its first calls. */
const WARMUP = 5;

interface PredictOptions {
  json?: boolean;
  backend?: string;
  runtime: string;
  threads: string;
  runs: string;
}

function positiveInt(text: string): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("predict")
    .description("print the top-5 classes of one PNG/JPEG image with an exported model")
    .argument("<bundle-dir>", "an exported architecture directory (out/architectures/<id>)")
    .argument("<image>", "PNG or JPEG file")
    .option("--json", "print a JSON array of {class, probability} ({ top, latency } with --runtime onnx)")
    .option("--backend <name>", "tfjs backend: tensorflow, wasm or cpu (default: the best available)")
    .option("--runtime <name>", "tfjs, or onnx: ONNX Runtime (CPU), also measuring batch-1 latency", "tfjs")
    .option("--threads <n>", "ONNX Runtime intra-op threads", "1")
    .option("--runs <n>", "ONNX Runtime timed runs (after 5 untimed warm-up runs)", "100")
    .action(async (dir: string, image: string, opts: PredictOptions) => {
      const fail = (message: string) => {
        process.stderr.write(`${message}\n`);
        setExit(BAD_INPUT);
      };
      const backend = backendProblem(opts.backend);
      if (backend) return fail(backend);
      if (!RUNTIMES.includes(opts.runtime))
        return fail(`--runtime: "${opts.runtime}" is not one of ${RUNTIMES.join(", ")}`);
      const threads = positiveInt(opts.threads);
      if (threads === undefined) return fail(`--threads: "${opts.threads}" is not a positive integer`);
      const runs = positiveInt(opts.runs);
      if (runs === undefined) return fail(`--runs: "${opts.runs}" is not a positive integer`);
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
      let latency: OnnxLatency | undefined;
      let logits: Tensor2D;
      if (opts.runtime === "onnx") {
        const { runOnnx } = await import("./onnx-run");
        try {
          const ran = await runOnnx(bundle.model, normalization, pixels, { threads, runs, warmup: WARMUP });
          latency = ran.latency;
          logits = tf.tensor2d(ran.logits, [1, bundle.model.arch.input.classes]);
        } catch (err) {
          bundle.model.dispose();
          return fail(`cannot run the model in ONNX Runtime: ${(err as Error).message}`);
        }
      } else {
        logits = tf.tidy(() => bundle.model.predict(tf.tensor4d(pixels, [1, s, s, c])));
      }
      const probabilities = tf.tidy(() => tf.softmax(logits));
      const p = await probabilities.data();
      tf.dispose([probabilities, logits]);
      bundle.model.dispose();
      const top = [...p]
        .map((probability, i) => ({ class: classNames[i] ?? String(i), probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, 5);
      // Without --runtime onnx, --json keeps its plain array of classes.
      if (opts.json) process.stdout.write(`${JSON.stringify(latency ? { top, latency } : top)}\n`);
      else for (const t of top) process.stdout.write(`${(100 * t.probability).toFixed(2).padStart(6)}%  ${t.class}\n`);
      if (latency && !opts.json) {
        const l = latency;
        process.stdout.write(
          `onnxruntime, batch 1, ${l.threads} thread(s): median ${l.medianMs} ms, p90 ${l.p90Ms} ms over ${l.runs} runs\n`,
        );
      }
    });
}

// Picks the tfjs backend at run time and says which one runs: `tensorflow` (tfjs-node-gpu, then tfjs-node) when
// installed, else `wasm`, else `cpu`. NAS_BACKEND or `force` selects one and fails clearly if it cannot load, or
// lists several in order of preference (`tensorflow,wasm`: the CPU worker image, where tfjs-node may or may not
// have installed, docs/deployment.md), the first that loads being used.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { clearConstants } from "./attention/constants";
import { registerAdamWKernel } from "./kernels/adamw";
import { registerSimdBatchMatMul } from "./kernels/batch-matmul";
import { registerHeapSlice } from "./kernels/slice";
import "./node-util-compat";

export type BackendName = "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  name: BackendName;
  /** What it runs on, in words. */
  device: string;
  /** The backends tried first that could not load, each with its reason ("tensorflow: ..."). */
  skipped?: string[];
}

const NAMES: BackendName[] = ["tensorflow", "wasm", "cpu"];
/** The packages that provide `tensorflow`, in the order tried: the GPU build wherever it loads. */
export const TENSORFLOW_BINDINGS = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];
let nodeBinding: string | undefined;

export interface InitBackendOptions {
  force?: string;
  /** Logs the choice (default console.log); pass null for silence. */
  log?: ((line: string) => void) | null;
}

export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const order = backendOrder(options.force ?? process.env.NAS_BACKEND);
  const failures: string[] = [];
  for (const name of order) {
    try {
      await activate(name);
      const info: BackendInfo = { name, device: describe(name), ...(failures.length ? { skipped: failures } : {}) };
      const skipped = failures.length ? `; not ${failures.join("; ")}` : "";
      if (options.log !== null) (options.log ?? console.log)(`tfjs backend: ${info.name} (${info.device})${skipped}`);
      return info;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend could start (${failures.join("; ")})`);
}

/** The backends to try, in order: every one when nothing is forced, else the forced one or comma-separated list. */
export function backendOrder(forced: string | undefined): BackendName[] {
  if (forced === undefined || forced.trim() === "") return NAMES;
  const names = forced.split(",").map((n) => n.trim());
  for (const name of names) {
    if (!NAMES.includes(name as BackendName)) {
      throw new Error(
        `backend "${name}" is not one of ${NAMES.join(", ")}${names.length > 1 ? ` (in "${forced}")` : ""}`,
      );
    }
  }
  return [...new Set(names as BackendName[])];
}

/** The backend in use now. */
export function currentBackend(): BackendInfo {
  const name = tf.getBackend() as BackendName;
  return { name, device: describe(name) };
}

async function activate(name: BackendName) {
  if (name === "tensorflow") {
    if (!tf.findBackend("tensorflow")) {
      const reasons: string[] = [];
      for (const pkg of TENSORFLOW_BINDINGS) {
        const missing = missingAddon(pkg);
        if (missing) {
          reasons.push(`${pkg}: ${missing}`);
          continue;
        }
        try {
          await import(/* @vite-ignore */ pkg);
          nodeBinding = pkg;
          break;
        } catch (error) {
          // not installed here, or installed without its native addon (its install script not run): the next one
          reasons.push(`${pkg}: ${firstLine(error)}`);
        }
      }
      if (!tf.findBackend("tensorflow"))
        throw new Error(`neither ${TENSORFLOW_BINDINGS.join(" nor ")} loads (${reasons.join("; ")})`);
    }
  } else if (name === "wasm") {
    await import("@tensorflow/tfjs-backend-wasm");
    shareIdentity();
  }
  if (tf.getBackend() !== name) {
    clearConstants();
    if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") failed`);
  }
  await tf.ready();
  if (name === "wasm") {
    // The batched attention products on SIMD (kernels/batch-matmul.ts); NAS_WASM_BATCH_MATMUL=tfjs keeps tfjs's own.
    if (process.env.NAS_WASM_BATCH_MATMUL !== "tfjs") await registerSimdBatchMatMul();
    registerHeapSlice();
    registerAdamWKernel();
  }
}

/**
 * Why `pkg` cannot provide `tensorflow` without importing it, or undefined when its native addon is there. A package
 * installed with its install script skipped (`npm install --ignore-scripts`) registers its kernels before failing to
 * load the addon, so importing it and then the other binding would register every kernel twice (a warning each).
 */
function missingAddon(pkg: string): string | undefined {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return "not installed";
  }
  // package.json's binary.module_path: lib/napi-v<N>/tfjs_binding.node.
  const lib = join(root, "lib");
  const found =
    existsSync(lib) &&
    readdirSync(lib).some((d) => d.startsWith("napi-v") && existsSync(join(lib, d, "tfjs_binding.node")));
  return found
    ? undefined
    : "installed without its native addon (lib/napi-v*/tfjs_binding.node; its install script did not run)";
}

function firstLine(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return "not installed";
  return String((error as Error).message ?? error).split("\n")[0]!;
}

/**
 * tfjs-wasm's Identity copies its input, and the engine clones (Identity) every tensor it keeps for a backward pass,
 * so on wasm the tape held two copies of each. Identity here shares the data with a reference count, as the
 * backend's own Reshape does; the values are the same, so nothing else changes.
 */
function shareIdentity() {
  const kernel = tf.getKernel("Identity", "wasm");
  if (!kernel || (kernel.kernelFunc as { shared?: boolean }).shared) return;
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }) => {
    const x = args.inputs.x!;
    if (x.dtype === "string") return (kernel.kernelFunc as (a: unknown) => tf.TensorInfo)(args);
    (args.backend as unknown as { incRef(id: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  Object.assign(kernelFunc, { shared: true });
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({ ...kernel, kernelFunc: kernelFunc as tf.KernelFunc });
}

function describe(name: BackendName): string {
  if (name === "tensorflow") {
    const gpu = nodeBinding?.endsWith("-gpu") ? "GPU (CUDA)" : "CPU";
    return `libtensorflow via ${nodeBinding ?? "tfjs-node"}, ${gpu}`;
  }
  if (name === "wasm") {
    let simd = "SIMD unknown";
    try {
      simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "SIMD" : "no SIMD";
    } catch {
      // flag not registered by this build
    }
    const backend = tf.backend() as unknown as { getThreadsCount?: () => number };
    const threads = typeof backend.getThreadsCount === "function" ? backend.getThreadsCount() : 1;
    return `WebAssembly (XNNPACK, ${simd}, ${threads} thread${threads === 1 ? "" : "s"})`;
  }
  return "plain JavaScript on the CPU";
}

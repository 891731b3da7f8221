// Picks the tfjs backend at run time and says which one runs: `tensorflow` (tfjs-node-gpu, then tfjs-node) when
// installed, else `wasm`, else `cpu`. NAS_BACKEND or `force` selects one and fails clearly if it cannot load.
import * as tf from "@tensorflow/tfjs";
import { clearConstants } from "./attention/constants";

export type BackendName = "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  name: BackendName;
  /** What it runs on, in words. */
  device: string;
}

const NAMES: BackendName[] = ["tensorflow", "wasm", "cpu"];
let nodeBinding: string | undefined;

export interface InitBackendOptions {
  force?: string;
  /** Logs the choice (default console.log); pass null for silence. */
  log?: ((line: string) => void) | null;
}

export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const forced = options.force ?? process.env.NAS_BACKEND ?? undefined;
  if (forced !== undefined && forced !== "" && !NAMES.includes(forced as BackendName)) {
    throw new Error(`backend "${forced}" is not one of ${NAMES.join(", ")}`);
  }
  const order = forced ? [forced as BackendName] : NAMES;
  const failures: string[] = [];
  for (const name of order) {
    try {
      await activate(name);
      const info = { name, device: describe(name) };
      if (options.log !== null) (options.log ?? console.log)(`tfjs backend: ${info.name} (${info.device})`);
      return info;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend could start (${failures.join("; ")})`);
}

/** The backend in use now. */
export function currentBackend(): BackendInfo {
  const name = tf.getBackend() as BackendName;
  return { name, device: describe(name) };
}

async function activate(name: BackendName) {
  if (name === "tensorflow") {
    if (!tf.findBackend("tensorflow")) {
      for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
        try {
          await import(/* @vite-ignore */ pkg);
          nodeBinding = pkg;
          break;
        } catch {
          // not installed here: try the next one
        }
      }
      if (!tf.findBackend("tensorflow"))
        throw new Error("neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed");
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

// Backend choice at run time and the worker self-test.
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { initBackend, selfTest } from "../src";
import { backendOrder, TENSORFLOW_BINDINGS } from "../src/backend";

/** Whether a tensorflow binding loads on this machine (none does on the build machines: no libtensorflow). */
async function tensorflowLoads(): Promise<boolean> {
  for (const pkg of TENSORFLOW_BINDINGS) {
    try {
      await import(/* @vite-ignore */ pkg);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

afterEach(() => {
  delete process.env.NAS_BACKEND;
});

describe("initBackend", () => {
  it("uses a forced backend and says which one runs", async () => {
    const lines: string[] = [];
    const info = await initBackend({ force: "wasm", log: (l) => lines.push(l) });
    expect(info.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(info.device).toMatch(/WebAssembly/);
    expect(lines[0]).toContain("wasm");
  });

  it("reads NAS_BACKEND", async () => {
    process.env.NAS_BACKEND = "cpu";
    expect((await initBackend({ log: null })).name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
  });

  it("falls back past a missing tensorflow binding when nothing is forced", async () => {
    const info = await initBackend({ log: null });
    // tfjs-node(-gpu) cannot be installed on the build machines, so the best available here is wasm.
    expect(["tensorflow", "wasm"]).toContain(info.name);
  });

  it("names the problem when a forced backend is unknown or unavailable", async () => {
    await expect(initBackend({ force: "webgpu", log: null })).rejects.toThrow(/"webgpu" is not one of/);
    let tensorflowPresent = true;
    try {
      await import("@tensorflow/tfjs-node" as string);
    } catch {
      tensorflowPresent = false;
    }
    if (!tensorflowPresent) await expect(initBackend({ force: "tensorflow", log: null })).rejects.toThrow(/tfjs-node/);
  });
});

describe("backendOrder", () => {
  it("tries every backend, best first, when nothing is forced", () => {
    expect(backendOrder(undefined)).toEqual(["tensorflow", "wasm", "cpu"]);
    expect(backendOrder(" ")).toEqual(["tensorflow", "wasm", "cpu"]);
  });

  it("keeps a forced list's order and names an unknown entry", () => {
    expect(backendOrder("wasm")).toEqual(["wasm"]);
    expect(backendOrder("tensorflow, wasm")).toEqual(["tensorflow", "wasm"]);
    expect(backendOrder("cpu,wasm,cpu")).toEqual(["cpu", "wasm"]);
    expect(() => backendOrder("tensorflow,wsam")).toThrow('backend "wsam" is not one of tensorflow, wasm, cpu (in');
    expect(() => backendOrder("tensorflow,")).toThrow('backend "" is not one of');
  });
});

describe("a preference list (the CPU worker image's NAS_BACKEND=tensorflow,wasm)", () => {
  it("takes the first backend that loads and logs why the ones before it did not", async () => {
    const lines: string[] = [];
    process.env.NAS_BACKEND = "tensorflow,wasm";
    const info = await initBackend({ log: (l) => lines.push(l) });
    if (await tensorflowLoads()) {
      expect(info.name).toBe("tensorflow");
      expect(info.skipped).toBeUndefined();
    } else {
      expect(info.name).toBe("wasm");
      expect(tf.getBackend()).toBe("wasm");
      // each binding tried, in order, with its reason
      expect(info.skipped).toHaveLength(1);
      expect(info.skipped![0]).toMatch(
        /^tensorflow: neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node loads \(@tensorflow\/tfjs-node-gpu: .+; @tensorflow\/tfjs-node: .+\)$/,
      );
      expect(lines).toEqual([`tfjs backend: wasm (${info.device}); not ${info.skipped![0]}`]);
    }
  });

  it("fails naming each binding and its reason when tensorflow alone is forced and cannot load", async () => {
    if (await tensorflowLoads()) return;
    await expect(initBackend({ force: "tensorflow", log: null })).rejects.toThrow(
      /^no tfjs backend could start \(tensorflow: neither .*tfjs-node-gpu.* nor .*tfjs-node loads/,
    );
  });
});

describe("selfTest", () => {
  it("runs a forward and backward pass of every attention type on the active backend", async () => {
    await initBackend({ force: "wasm", log: null });
    const result = await selfTest();
    expect(result).toMatchObject({ backend: "wasm", ok: true });
    expect(result.ms).toBeGreaterThan(0);
    expect(result.error).toBeUndefined();
  });
});

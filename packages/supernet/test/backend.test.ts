// Backend choice at run time and the worker self-test.
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { initBackend, selfTest } from "../src";

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

describe("selfTest", () => {
  it("runs a forward and backward pass of every attention type on the active backend", async () => {
    await initBackend({ force: "wasm", log: null });
    const result = await selfTest();
    expect(result).toMatchObject({ backend: "wasm", ok: true });
    expect(result.ms).toBeGreaterThan(0);
    expect(result.error).toBeUndefined();
  });
});

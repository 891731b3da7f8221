// NAS_THREADS: a whole number of threads, else every core this process may use, and one on `tensorflow`.
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { threadsFromEnv } from "../src";

describe("threadsFromEnv", () => {
  it("reads NAS_THREADS, defaults to the cores, and to one on libtensorflow", () => {
    expect(threadsFromEnv({ NAS_THREADS: "3" }, "wasm")).toBe(3);
    expect(threadsFromEnv({ NAS_THREADS: " 1 " }, "cpu")).toBe(1);
    expect(threadsFromEnv({ NAS_THREADS: "4" }, "tensorflow")).toBe(4);
    expect(threadsFromEnv({}, "wasm")).toBe(availableParallelism());
    expect(threadsFromEnv({ NAS_THREADS: "" }, "cpu")).toBe(availableParallelism());
    expect(threadsFromEnv({}, "tensorflow")).toBe(1);
  });

  it("refuses anything but a whole number of at least one, naming it", () => {
    for (const bad of ["0", "-2", "1.5", "two"]) {
      expect(() => threadsFromEnv({ NAS_THREADS: bad })).toThrow(
        `NAS_THREADS must be a whole number of at least 1, not "${bad}"`,
      );
    }
  });
});

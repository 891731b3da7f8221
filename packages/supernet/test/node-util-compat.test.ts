// The `tensorflow` backend's bindings (tfjs-node 4.22) call util.isNullOrUndefined, which Node 23 removed: the
// supernet puts it back where it is missing, in the CommonJS module the bindings read, and changes nothing elsewhere.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { restoredIsNullOrUndefined } from "../src/node-util-compat";

const BACKEND = join(import.meta.dirname, "../src/backend.ts");
const major = Number(process.versions.node.split(".")[0]);

describe("util.isNullOrUndefined for the tensorflow bindings", () => {
  it("is put back exactly where Node removed it", () => {
    expect(restoredIsNullOrUndefined).toBe(major >= 23);
  });

  it("answers as Node's own did, called the way the bindings call it", () => {
    const util = createRequire(import.meta.url)("util") as { isNullOrUndefined: (value: unknown) => boolean };
    // Detached from the module, as compiled CommonJS calls it (`(0, util_1.isNullOrUndefined)(x)`).
    const { isNullOrUndefined: call } = util;
    expect([null, undefined].map(call)).toEqual([true, true]);
    expect([0, "", false, Number.NaN, [], {}].map(call)).toEqual([false, false, false, false, false, false]);
  });

  it("is in place once the backend module is loaded, in a process of its own", () => {
    const script = `await import(${JSON.stringify(BACKEND)}); console.log(typeof process.getBuiltinModule("util").isNullOrUndefined);`;
    const output = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(output.trim().split("\n").at(-1)).toBe("function");
  });
});

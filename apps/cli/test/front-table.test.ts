// `nas search`'s closing table: the front by MACs, the measured latency beside MACs when the search measured it.
import type { VitArch } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { frontTable } from "../src/commands/search";

const arch = {} as VitArch;
const latency = (medianMs: number) => ({
  runtime: "onnxruntime" as const,
  threads: 1,
  batch: 1 as const,
  warmup: 5,
  runs: 50,
  medianMs,
  p90Ms: medianMs + 0.5,
  cpu: "Test CPU",
});

describe("frontTable", () => {
  it("puts the median and p90 latency beside MACs, cheapest first", () => {
    const table = frontTable([
      { id: "b", accuracy: 0.8, macs: 2000, params: 20, arch, latency: latency(2.25) },
      { id: "a", accuracy: 0.5, macs: 1000, params: 10, arch, latency: latency(1.5) },
    ]).split("\n");
    expect(table[0]!.split(/\s+/)).toEqual(["id", "accuracy", "MACs", "ms", "(onnx,", "1t)", "params"]);
    expect(table[2]!.split(/\s+/)).toEqual(["a", "50.00%", "1,000", "1.5", "(p90", "2)", "10"]);
    expect(table[3]!.split(/\s+/)).toEqual(["b", "80.00%", "2,000", "2.25", "(p90", "2.75)", "20"]);
  });

  it("has no latency column when nothing was measured", () => {
    const table = frontTable([{ id: "a", accuracy: 0.5, macs: 1000, params: 10, arch }]);
    expect(table.split("\n")[0]!.split(/\s+/)).toEqual(["id", "accuracy", "MACs", "params"]);
  });
});

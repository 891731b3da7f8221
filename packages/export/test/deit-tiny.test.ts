// A DeiT-Tiny-sized model (packages/formats/test/fixtures/deit-tiny.json: 224 px, 12 blocks of width 192, 5.7 M
// parameters) exports to an ONNX file of 4 bytes per parameter plus the graph (nodes, shapes, metadata), within 1%,
// which ONNX Runtime loads; the export's time is a bench figure (`npm run bench -- --only export`).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { countArch, spaceOfArch, type VitArch, validateArch } from "@vitnas/formats";
import { extract, initBackend, type StandaloneModel, Supernet } from "@vitnas/supernet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportOnnx } from "../src";
import { ortSession } from "./ort";

const FIXTURE = join(import.meta.dirname, "../../formats/test/fixtures/deit-tiny.json");
let arch: VitArch;
let model: StandaloneModel;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  const valid = validateArch(JSON.parse(readFileSync(FIXTURE, "utf8")));
  if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
  arch = valid.value;
  const net = Supernet.create(spaceOfArch(arch), { seed: 1 });
  model = extract(net, arch);
  net.dispose();
});
afterAll(() => model?.dispose());

describe("a DeiT-Tiny-sized export", () => {
  it("is 4 bytes per parameter plus under 1% of graph, and ONNX Runtime loads it", async () => {
    const { params } = countArch(arch);
    expect(params).toBe(5_717_416);
    expect(model.paramCount()).toBe(params);
    const { bytes } = exportOnnx(model, { normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } });
    const weights = 4 * params;
    expect(bytes.length).toBeGreaterThan(weights);
    expect((bytes.length - weights) / weights).toBeLessThan(0.01);
    const session = await ortSession(bytes);
    expect(session.outputNames).toEqual(["logits"]);
    await session.release();
  }, 120_000);
});

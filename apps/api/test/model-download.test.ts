// `?format=onnx|safetensors` on an architecture's download: the stored bundle (a real model: arch.json, weights.json,
// weights.bin, preprocessing.json) converted on request. The ONNX file runs in ONNX Runtime and gives the bundle's
// tfjs logits; the safetensors file holds the bundle's tensors; a bundle that cannot be converted is a 422.
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { searchKey } from "@vitnas/artifacts";
import { decodeSafetensors } from "@vitnas/export";
import { type NasSearch, spaceOfArch, type VitArch, validateArch } from "@vitnas/formats";
import { extract, initBackend, StandaloneModel, Supernet } from "@vitnas/supernet";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

const valid = validateArch({
  format: "vit-arch/v1",
  input: { imageSize: 8, channels: 3, classes: 4 },
  stem: {
    convs: [{ out: 8, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "relu" }],
    patch: { kernel: 2, stride: 2, padding: 0 },
  },
  position: "learned",
  classToken: true,
  stages: [
    { width: 16, headDim: 8, reduction: "none", blocks: [{ heads: 2, mlpHidden: 32, attention: { type: "softmax" } }] },
  ],
});
if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
const arch: VitArch = valid.value;
const normalization = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;
let model: StandaloneModel;
const get = (url: string) =>
  h.app.inject({ method: "GET", url: `/v1/searches/${searchId}/architectures${url}`, headers: team.auth });

/** Stores the bundle directory's files as the architecture's `bundle` artifacts, leaving out `skip`. */
async function storeBundle(dir: string, archId: string, skip: string[] = []) {
  for (const name of await readdir(dir)) {
    if (skip.includes(name)) continue;
    const stored = await h.store.put(
      searchKey(searchId, "out", "architectures", archId, name),
      await readFile(join(dir, name)),
    );
    await h.db.artifacts.record({
      searchId,
      archHash: archId,
      kind: "bundle",
      path: stored.key,
      size: stored.size,
      sha256: stored.sha256,
    });
  }
}

/** A model of `arch` whose weights are moved off their initialisation, so a dropped bias would change the logits. */
function randomModel(): StandaloneModel {
  const net = Supernet.create(spaceOfArch(arch), { seed: 4 });
  const extracted = extract(net, arch);
  net.dispose();
  const tensors = new Map<string, tf.Tensor>();
  extracted.tensors.forEach((t, name) => {
    const noise = tf.tidy(() => tf.randomUniform(t.shape, -0.2, 0.2, "float32", tensors.size + 1));
    tensors.set(
      name,
      tf.tidy(() => (name.endsWith(".bn.var") ? tf.add(tf.abs(t), 0.5) : tf.add(t, noise))),
    );
    noise.dispose();
  });
  const out = new StandaloneModel(arch, tensors, new Set(extracted.trainable));
  extracted.dispose();
  return out;
}

let scratch: string;
beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  h = await startHarness();
  team = await h.team("model-download");
  searchId = (await h.db.searches.create({ teamId: team.id, job: tinyJob("export") as unknown as NasSearch })).search
    .id;
  const candidate = { arch: arch as unknown as Record<string, unknown>, accuracy: 0.5, macs: 1000, params: 10 };
  await h.db.candidates.upsert(searchId, [
    { id: "m1", generation: 0, ...candidate },
    { id: "m2", generation: 0, ...candidate },
  ]);
  scratch = await mkdtemp(join(tmpdir(), "model-download-"));
  model = randomModel();
  await model.save(scratch);
  const preprocessing = {
    format: "vitnas-preprocessing/v1",
    imageSize: 8,
    channels: 3,
    classNames: ["a", "b", "c", "d"],
    normalization,
  };
  await writeFile(join(scratch, "preprocessing.json"), JSON.stringify(preprocessing));
  await storeBundle(scratch, "m1");
  // m2's bundle lacks the normalisation the export must state.
  await storeBundle(scratch, "m2", ["preprocessing.json"]);
});
afterAll(async () => {
  model?.dispose();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  await h?.close();
});

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("model download", () => {
  it("sends ONNX that runs in ONNX Runtime with the bundle's tfjs logits", async () => {
    const res = await get("/m1/download?format=onnx");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/octet-stream");
    expect(res.headers["content-disposition"]).toBe('attachment; filename="m1.onnx"');
    expect(res.headers["x-weights"]).toBe("inherited");
    expect(res.headers["x-content-sha256"]).toBe(sha256(res.rawPayload));

    const session = await ort.InferenceSession.create(res.rawPayload, { intraOpNumThreads: 1 });
    const batch = 2;
    const nhwc = tf.randomNormal([batch, 8, 8, 3], 0, 1, "float32", 9) as tf.Tensor4D;
    const nchw = tf.transpose(nhwc, [0, 3, 1, 2]);
    const expected = (await tf.tidy(() => model.predict(nhwc)).data()) as Float32Array;
    const out = await session.run({
      images: new ort.Tensor("float32", (await nchw.data()) as Float32Array, nchw.shape),
    });
    tf.dispose([nhwc, nchw]);
    const actual = out.logits!.data as Float32Array;
    expect(actual.length).toBe(batch * 4);
    const scale = Math.max(...expected.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    const diff = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
    expect(diff / scale).toBeLessThan(1e-4);
    await session.release();

    // Converted the same way each time: the same bytes and digest.
    expect((await get("/m1/download?format=onnx")).headers["x-content-sha256"]).toBe(res.headers["x-content-sha256"]);
  });

  it("sends safetensors holding the bundle's tensors and normalisation", async () => {
    const res = await get("/m1/download?format=safetensors");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/octet-stream");
    expect(res.headers["content-disposition"]).toBe('attachment; filename="m1.safetensors"');
    expect(res.headers["x-content-sha256"]).toBe(sha256(res.rawPayload));
    const file = decodeSafetensors(new Uint8Array(res.rawPayload));
    expect(file.tensors.map((t) => t.name).sort()).toEqual([...model.tensors.keys()].sort());
    expect(JSON.parse(file.metadata["vitnas.preprocessing"]!).pixels.normalization).toEqual(normalization);
  });

  it("keeps the .tar.gz bundle as the default and refuses an unknown format naming the parameter", async () => {
    for (const url of ["/m1/download", "/m1/download?format=bundle"]) {
      const res = await get(url);
      expect(res.headers["content-type"]).toBe("application/gzip");
      expect(res.headers["content-disposition"]).toBe('attachment; filename="m1.tar.gz"');
    }
    const bad = await get("/m1/download?format=pt");
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain("format");
  });

  it("answers 422 with the reason when the bundle cannot be converted, 404 when there is none", async () => {
    const res = await get("/m2/download?format=onnx");
    expect(res.statusCode).toBe(422);
    expect(res.json().message).toContain("preprocessing.json");
    expect((await get("/m3/download?format=onnx")).statusCode).toBe(404);
  });
});

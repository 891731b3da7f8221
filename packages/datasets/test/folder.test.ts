import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset, readImage } from "../src/index";

const scratch = mkdtempSync(join(tmpdir(), "folder-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const COLOURS = { blue: { r: 0, g: 0, b: 255 }, green: { r: 0, g: 255, b: 0 }, red: { r: 255, g: 0, b: 0 } };

beforeAll(async () => {
  // Three classes of solid-colour images, PNG and JPEG, of different sizes and aspect ratios.
  for (const [name, background] of Object.entries(COLOURS)) {
    mkdirSync(join(scratch, "images", name), { recursive: true });
    for (let i = 0; i < 5; i++) {
      const image = sharp({ create: { width: 20 + 7 * i, height: 30 + 3 * i, channels: 3, background } });
      const file = join(scratch, "images", name, `${i}.${i % 2 ? "jpg" : "png"}`);
      await (i % 2 ? image.jpeg({ quality: 95 }) : image.png()).toFile(file);
    }
  }
  writeFileSync(join(scratch, "images", "red", "notes.txt"), "not an image");
});

describe("folder", () => {
  it("reads one class per sub-directory, resized, with stratified held-out test and validation splits", async () => {
    const path = join(scratch, "images");
    const data = await loadDataset({ kind: "folder", path, imageSize: 8, val: 0.2, test: 0.1, seed: 0 });
    expect(data.classNames).toEqual(["blue", "green", "red"]);
    // Five images a class: one to test, then one of the other four to validation.
    expect(data.train.count).toBe(9);
    expect(data.val.count).toBe(3);
    expect(data.test.count).toBe(3);
    expect([...data.val.labels].sort()).toEqual([0, 1, 2]);
    expect([...data.test.labels].sort()).toEqual([0, 1, 2]);
    expect(data.train.imageSize).toBe(8);
    // Each image is one colour: undo the normalisation and check the class colour.
    const { mean, std } = data.normalization;
    for (const split of [data.train, data.val, data.test]) {
      for (let i = 0; i < split.count; i++) {
        const name = data.classNames[split.labels[i]!] as keyof typeof COLOURS;
        const at = i * 8 * 8 * 3 + (4 * 8 + 4) * 3;
        const rgb = [0, 1, 2].map((c) => Math.round((split.images[at + c]! * std[c]! + mean[c]!) * 255));
        const want = [COLOURS[name].r, COLOURS[name].g, COLOURS[name].b];
        for (const [c, v] of rgb.entries()) expect(Math.abs(v - want[c]!)).toBeLessThan(8);
      }
    }
  });

  it("reads single images for prediction in 1 or 3 channels", async () => {
    const rgb = await readImage(join(scratch, "images", "green", "0.png"), 4, 3);
    expect(rgb.length).toBe(48);
    expect([rgb[0], rgb[1], rgb[2]]).toEqual([0, 1, 0]);
    const grey = await readImage(join(scratch, "images", "green", "0.png"), 4, 1);
    expect(grey.length).toBe(16);
    expect(grey[0]).toBeGreaterThan(0.4);
  });

  it("says what is wrong: a missing path, an empty folder, an empty class, one class, a class mismatch", async () => {
    const spec = (path: string) => ({ kind: "folder" as const, path, imageSize: 8, val: 0.2, test: 0.1, seed: 0 });
    await expect(loadDataset(spec(join(scratch, "missing")))).rejects.toThrow(/missing does not exist/);
    mkdirSync(join(scratch, "empty"));
    await expect(loadDataset(spec(join(scratch, "empty")))).rejects.toThrow(/has no class sub-directories/);
    mkdirSync(join(scratch, "hollow", "a"), { recursive: true });
    mkdirSync(join(scratch, "hollow", "b"), { recursive: true });
    await expect(loadDataset(spec(join(scratch, "hollow")))).rejects.toThrow(
      /class folder .*hollow\/a holds no PNG\/JPEG/,
    );
    mkdirSync(join(scratch, "single", "only"), { recursive: true });
    await expect(loadDataset(spec(join(scratch, "single")))).rejects.toThrow(/one class/);
    await expect(loadDataset(spec(join(scratch, "images")), { classes: 10 })).rejects.toThrow(
      /has 3 classes but the search space's input.classes is 10/,
    );
  });
});

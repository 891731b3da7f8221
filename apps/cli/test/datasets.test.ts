// `nas datasets push|list|rm` against a real API (Postgres, a local artifact store): a directory packed on the fly and
// pushed twice is one dataset, a file is sent as it is, and refusals exit 1 with the service's message.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalArtifactStore, storeDatasetBlobs } from "@vitnas/artifacts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { folderEntries, tarArchive } from "../../../packages/datasets/test/upload-fixtures";
import { type Harness, startHarness } from "../../api/test/harness";
import { runCli } from "./run-cli";

let h: Harness;
let scratch: string;
let env: string[];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cli-datasets-"));
  h = await startHarness({ datasetBlobs: storeDatasetBlobs(new LocalArtifactStore(join(scratch, "store"))) });
  const address = await h.app.listen({ host: "127.0.0.1", port: 0 });
  const team = await h.team();
  env = ["--url", address, "--key", team.key];
  // Class folders on disk, as a team has them.
  for (const entry of await folderEntries("", ["ant", "bee"], 3)) {
    await mkdir(join(scratch, "insects", entry.name, ".."), { recursive: true });
    await writeFile(join(scratch, "insects", entry.name), entry.data!);
  }
  await writeFile(join(scratch, "birds.tar.gz"), await tarArchive(await folderEntries("", ["jay", "owl", "tit"], 2)));
});
afterAll(async () => {
  await h?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("nas datasets", () => {
  it("pushes a directory as tar.gz (twice: one dataset), a file as it is; lists and removes them", async () => {
    const first = await runCli(["datasets", "push", join(scratch, "insects"), ...env]);
    expect(first.stderr).toMatch(/uploaded: .* insects {2}folder, 2 classes, 6 training images, 8 px, 3 channel/);
    expect(first.stderr).toContain('"dataset": { "kind": "uploaded", "id": "');
    expect(first.code).toBe(0);
    const id = first.stdout.trim();
    const again = await runCli(["datasets", "push", join(scratch, "insects"), ...env]);
    expect([again.code, again.stdout.trim()]).toEqual([0, id]);
    expect(again.stderr).toMatch(/^already uploaded/);
    const file = await runCli(["datasets", "push", join(scratch, "birds.tar.gz"), "--name", "birds", ...env]);
    expect(file.code).toBe(0);
    const list = await runCli(["datasets", "list", "--json", ...env]);
    expect(JSON.parse(list.stdout).map((d: { name: string; classes: number }) => [d.name, d.classes])).toEqual([
      ["birds", 3],
      ["insects", 2],
    ]);
    expect((await runCli(["datasets", "rm", id, ...env])).code).toBe(0);
    const gone = await runCli(["datasets", "rm", id, ...env]);
    expect([gone.code, gone.stderr]).toEqual([1, `nas datasets: 404 not_found: dataset ${id} not found\n`]);
  });

  it("says why: a refused upload, a missing path, no key, no service", async () => {
    await writeFile(join(scratch, "insects", "bee", "notes.txt"), "x");
    const bad = await runCli(["datasets", "push", join(scratch, "insects"), ...env]);
    expect([bad.code, bad.stderr]).toEqual([
      1,
      "nas datasets: 400 invalid_dataset: bee/notes.txt: not an image (a class folder holds PNG/JPEG files only)\n",
    ]);
    expect((await runCli(["datasets", "push", join(scratch, "nowhere"), ...env])).code).toBe(2);
    const noKey = await runCli(["datasets", "list", "--url", env[1]!]);
    expect([noKey.code, noKey.stderr]).toEqual([2, expect.stringMatching(/an API key is needed/)]);
    const nowhere = await runCli(["datasets", "list", "--url", "http://127.0.0.1:1/", "--key", "vn_x"]);
    expect([nowhere.code, nowhere.stderr]).toEqual([
      1,
      expect.stringMatching(/^nas datasets: cannot reach http:\/\/127\.0\.0\.1:1: /),
    ]);
  });
});

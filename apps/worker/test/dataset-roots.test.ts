// The worker re-checks DATASET_ROOTS on its own filesystem before reading a queued search's dataset: a search queued
// under other roots (or past the API) is failed with a message that says nothing about the path.
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatasetSpec } from "@vitnas/formats";
import { datasetRootIssues, enqueueSearch, parseDatasetRoots } from "@vitnas/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, tinyJob, waitFor } from "./harness";

let h: Harness;
let root: string;
beforeAll(async () => {
  h = await createHarness();
  root = await mkdtemp(join(tmpdir(), "worker-dataset-root-"));
  await mkdir(join(root, "pets"));
  await symlink("/etc", join(root, "escape"));
});
afterAll(async () => {
  await h.close();
  await rm(root, { recursive: true, force: true });
});

const folder = (path: string): DatasetSpec => ({ kind: "folder", path, imageSize: 32, val: 0.2, test: 0.1, seed: 1 });

describe("dataset roots", () => {
  it("parses DATASET_ROOTS and judges symlinks, `..` and missing paths alike", async () => {
    expect(parseDatasetRoots(undefined)).toEqual([]);
    expect(parseDatasetRoots("/a/b/:/c")).toEqual(["/a/b", "/c"]);
    expect(() => parseDatasetRoots("/a:data")).toThrow(/DATASET_ROOTS: "data" is not an absolute directory/);
    for (const outside of ["/etc", `${root}/../x`, join(root, "escape"), join(root, "escape", "nope", "deeper")]) {
      expect(await datasetRootIssues(folder(outside), [root]), outside).toEqual([
        { path: "dataset.path", message: "not inside an allowed dataset root" },
      ]);
    }
    for (const inside of [root, join(root, "pets"), join(root, "missing", "x"), `${root}/pets/../pets`]) {
      expect(await datasetRootIssues(folder(inside), [root]), inside).toEqual([]);
    }
  });

  it("fails a queued search whose dataset lies outside them, before reading it", async () => {
    await h.startWorker({ datasetRoots: [root] });
    const { search } = await h.db.searches.create({ teamId: h.teamId, job: { ...tinyJob(), dataset: folder("/etc") } });
    await enqueueSearch(h.queue, search.id);
    await waitFor("failure", async () => (await h.db.searches.get(search.id))?.status === "failed");
    expect((await h.db.searches.get(search.id))?.error).toBe("dataset.path: not inside an allowed dataset root");
  });
});

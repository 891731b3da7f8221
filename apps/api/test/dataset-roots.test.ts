// Local dataset paths in submitted jobs are confined to DATASET_ROOTS, and a refusal says nothing about the
// filesystem: the worker's answers (`/etc` "holds no PNG/JPEG image", "is not a directory", "does not exist") once
// let any team probe it.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { type Harness, startHarness, tinyJob } from "./harness";

const OUTSIDE = "not inside an allowed dataset root";
let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let root: string;
let noRoots: FastifyInstance;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "dataset-root-"));
  await mkdir(join(root, "pets", "cat"), { recursive: true });
  await writeFile(join(root, "pets", "train-images-idx3-ubyte"), "");
  await symlink("/etc", join(root, "escape"));
  h = await startHarness({ datasetRoots: [root] });
  team = await h.team();
  // DATASET_ROOTS unset: only synthetic data.
  noRoots = await buildApp({ db: h.db, dispatch: h.services.dispatch, artifacts: h.store, rateLimit: false });
});
afterAll(async () => {
  await noRoots?.close();
  await h?.close();
  await rm(root, { recursive: true, force: true });
});

const submit = (dataset: Record<string, unknown>, app = h.app) =>
  app.inject({ method: "POST", url: "/v1/searches", headers: team.auth, payload: { ...tinyJob(), dataset } });

describe("dataset paths of submitted jobs", () => {
  it("refuses paths outside every root with one message, whether they exist or not", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: "folder", path: "/etc" }, "dataset.path"],
      [{ kind: "folder", path: "/etc/passwd" }, "dataset.path"],
      [{ kind: "folder", path: "/no/such/dir" }, "dataset.path"],
      [{ kind: "folder", path: `${root}/../../etc` }, "dataset.path"],
      [{ kind: "folder", path: join(root, "escape") }, "dataset.path"],
      [{ kind: "folder", path: join(root, "escape", "missing") }, "dataset.path"],
      [{ kind: "folder", path: join(root, "pets"), testPath: "/etc" }, "dataset.testPath"],
      [{ kind: "cifar10", path: "/etc" }, "dataset.path"],
      [{ kind: "idx", path: "/etc" }, "dataset.path"],
      [{ kind: "idx", path: join(root, "pets"), trainLabels: "../../../../etc/passwd" }, "dataset.trainLabels"],
      [{ kind: "idx", path: join(root, "pets"), testImages: "/etc/passwd" }, "dataset.testImages"],
      [{ kind: "idx", path: join(root, "pets"), testLabels: "../escape/hosts" }, "dataset.testLabels"],
    ];
    for (const [dataset, field] of cases) {
      const res = await submit(dataset);
      expect(res.statusCode, JSON.stringify(dataset)).toBe(400);
      expect(res.json(), JSON.stringify(dataset)).toEqual({
        error: "validation_error",
        message: `${field}: ${OUTSIDE}`,
        details: [{ path: field, message: OUTSIDE }],
      });
    }
    const relative = await submit({ kind: "folder", path: "pets" });
    expect(relative.json().details).toEqual([
      { path: "dataset.path", message: "must be an absolute path inside an allowed dataset root" },
    ]);
  });

  it("accepts paths inside a root, existing or not, as before", async () => {
    const accepted: Record<string, unknown>[] = [
      { kind: "folder", path: join(root, "pets") },
      { kind: "folder", path: join(root, "pets"), testPath: join(root, "later") },
      { kind: "cifar10", path: root },
      { kind: "idx", path: join(root, "pets"), trainImages: "train-images-idx3-ubyte", testImages: join(root, "t") },
    ];
    for (const dataset of accepted) expect((await submit(dataset)).statusCode, JSON.stringify(dataset)).toBe(201);
  });

  it("allows only synthetic data when no root is configured", async () => {
    const res = await submit({ kind: "folder", path: join(root, "pets") }, noRoots);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe(`dataset.path: ${OUTSIDE}`);
    expect((await submit(tinyJob().dataset as Record<string, unknown>, noRoots)).statusCode).toBe(201);
  });
});

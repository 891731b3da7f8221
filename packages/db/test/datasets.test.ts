// Uploaded datasets' rows: one per (team, digest) however often the same bytes are uploaded, another team's id not
// found, the searches that still name one, and whether a digest is still held after a delete.
import type { NasSearch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, createScratchDatabase, type DatasetInput, type Db, type ScratchDatabase } from "../src";

let scratch: ScratchDatabase;
let db: Db;
let teamA: string;
let teamB: string;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createDb(scratch.url);
  teamA = (await db.teams.create("datasets-a")).id;
  teamB = (await db.teams.create("datasets-b")).id;
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

const input = (teamId: string, sha256: string, name = "fmnist"): DatasetInput => ({
  teamId,
  name,
  sha256,
  format: "idx",
  sizeBytes: 30_000_000_000,
  summary: { classes: 10, train: 60_000 },
  preview: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
});

describe("datasets", () => {
  it("the same digest twice is one dataset per team; each team has its own row and sees only its own", async () => {
    const first = await db.datasets.create(input(teamA, "a".repeat(64)));
    const again = await db.datasets.create(input(teamA, "a".repeat(64), "renamed"));
    expect(first.created).toBe(true);
    expect(again).toEqual({ dataset: first.dataset, created: false });
    expect(first.dataset).toMatchObject({
      name: "fmnist",
      format: "idx",
      sizeBytes: 30_000_000_000,
      summary: { classes: 10 },
    });
    const other = await db.datasets.create(input(teamB, "a".repeat(64)));
    expect(other.created).toBe(true);
    expect(await db.datasets.get(first.dataset.id, teamB)).toBeUndefined();
    expect(await db.datasets.get(first.dataset.id, teamA)).toEqual(first.dataset);
    expect((await db.datasets.list(teamA)).map((d) => d.id)).toEqual([first.dataset.id]);
    expect(await db.datasets.preview(first.dataset.id, teamA)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect((await db.datasets.anyBySha256("a".repeat(64)))?.preview).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });

  it("lists the team's queued and running searches that name a dataset", async () => {
    const { dataset } = await db.datasets.create(input(teamA, "b".repeat(64)));
    const job = { format: "nas-search/v1", name: "uses", seed: 1, dataset: { kind: "uploaded", id: dataset.id } };
    const { search } = await db.searches.create({ teamId: teamA, job: job as unknown as NasSearch });
    await db.searches.create({
      teamId: teamA,
      job: { ...job, dataset: { kind: "synthetic" } } as unknown as NasSearch,
    });
    expect(await db.datasets.activeSearches(dataset.id, teamA)).toEqual([search.id]);
    expect(await db.datasets.activeSearches(dataset.id, teamB)).toEqual([]);
    await db.searches.cancel(search.id, teamA);
    expect(await db.datasets.activeSearches(dataset.id, teamA)).toEqual([]);
  });

  it("deletes only the team's own row, and says whether the digest is still held by another team", async () => {
    const a = (await db.datasets.bySha256(teamA, "a".repeat(64)))!;
    const b = (await db.datasets.bySha256(teamB, "a".repeat(64)))!;
    expect(await db.datasets.remove(a.id, teamB)).toBeUndefined();
    expect(await db.datasets.remove(a.id, teamA)).toEqual({ dataset: a, digestInUse: true });
    expect(await db.datasets.remove(b.id, teamB)).toEqual({ dataset: b, digestInUse: false });
    expect(await db.datasets.remove(b.id, teamB)).toBeUndefined();
  });
});

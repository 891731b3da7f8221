// A scratch database holding one team's two searches, each with the same three candidates (a1-a3): the set-up of
// the tests of rows bound to a search's candidates (final trainings, front latencies).
import type { NasSearch } from "@vitnas/formats";
import { afterAll, beforeAll } from "vitest";
import { createDb, createScratchDatabase, type Db, type ScratchDatabase } from "../src";

export interface TwoSearches {
  db: Db;
  searchId: string;
  otherSearchId: string;
}

const job = (name: string) => ({ format: "nas-search/v1", name, seed: 1 }) as unknown as NasSearch;
const candidate = (id: string, accuracy: number) => ({
  id,
  arch: { format: "vit-arch/v1" },
  accuracy,
  macs: 1000 * accuracy,
  params: 10,
  generation: 0,
});

/** Registers the set-up and tear-down hooks; the returned object is filled once `beforeAll` has run. */
export function useTwoSearches(team: string): TwoSearches {
  const fixture = {} as TwoSearches;
  let scratch: ScratchDatabase | undefined;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
    fixture.db = createDb(scratch.url);
    const { id: teamId } = await fixture.db.teams.create(team);
    fixture.searchId = (await fixture.db.searches.create({ teamId, job: job("a") })).search.id;
    fixture.otherSearchId = (await fixture.db.searches.create({ teamId, job: job("b") })).search.id;
    for (const id of [fixture.searchId, fixture.otherSearchId]) {
      await fixture.db.candidates.upsert(id, [candidate("a1", 0.5), candidate("a2", 0.6), candidate("a3", 0.7)]);
    }
  });
  afterAll(async () => {
    await fixture.db?.close();
    await scratch?.drop();
  });
  return fixture;
}

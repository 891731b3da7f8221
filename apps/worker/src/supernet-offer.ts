// The trained super-networks a search is offered instead of training its own (docs/supernet-reuse.md): the one its
// job's `supernet.from` names, whatever the data, or with `supernet.reuse: "auto"` the team's newest on the same space
// and recipe, which the pipeline takes only when the data's fingerprint matches too (known once the data is loaded).
import { join } from "node:path";
import type { ArtifactStore } from "@vitnas/artifacts";
import { spaceHash, supernetRecipeHash } from "@vitnas/formats";
import type { ReusableSupernet } from "@vitnas/pipeline";
import type { SearchRecords, SearchToRun, StoredSupernet } from "./search-records";

/** `supernet.from` names nothing the search can use (any more): the search fails with this. */
export class SupernetUnavailableError extends Error {
  override name = "SupernetUnavailableError";
}

/** Its checkpoint directory, through the store: the training search's work directory, `supernet/`. */
const offer = async (store: ArtifactStore, s: StoredSupernet, anyData: boolean): Promise<ReusableSupernet> => ({
  id: s.id,
  dir: join(await store.workDir(s.searchId), "supernet"),
  datasetFingerprint: s.datasetFingerprint,
  ...(anyData ? { anyData } : {}),
});

export async function supernetsToOffer(
  records: SearchRecords,
  store: ArtifactStore,
  search: SearchToRun,
): Promise<ReusableSupernet[] | undefined> {
  const { job } = search;
  if (job.supernet.from !== undefined) {
    const found = await records.resolveSupernet(search.teamId, job.supernet.from);
    if (!found) {
      throw new SupernetUnavailableError(
        `supernet.from: no trained super-network ${job.supernet.from} of the team (its search was deleted?)`,
      );
    }
    return [await offer(store, found, true)];
  }
  if (job.supernet.reuse !== "auto") return undefined;
  const matching = await records.matchingSupernets(search.teamId, spaceHash(job.space), supernetRecipeHash(job));
  // Never its own: a resumed search that recorded one keeps training (or has trained) it in its own directory.
  const others = matching.filter((s) => s.searchId !== search.id);
  return Promise.all(others.map((s) => offer(store, s, false)));
}

// A job's `supernet.from` checked at submission (docs/supernet-reuse.md): the super-network must be the team's (another
// team's answers 404, as its searches do) and trained on the job's space (422 naming the field); a dataset or recipe
// other than the one it was trained with is allowed, and stated in the answer.
import type { Db, SupernetRecord } from "@vitnas/db";
import { canonicalJson, type NasSearch, spaceHash, supernetRecipeHash } from "@vitnas/formats";
import { ApiError } from "./errors";

/** The super-network a submitted job searches on, as the answer states it. */
export interface SupernetChoice {
  id: string;
  searchId: string;
  sameDataset: boolean;
  sameRecipe: boolean;
  notes: string[];
}

export async function checkSupernetFrom(db: Db, teamId: string, job: NasSearch): Promise<SupernetChoice | undefined> {
  const from = job.supernet.from;
  if (from === undefined) return undefined;
  const found = await db.supernets.resolve(from, teamId);
  if (!found) {
    throw new ApiError(
      404,
      "not_found",
      `supernet.from: no trained super-network ${from} (by its id or its search's)`,
      [
        {
          path: "supernet.from",
          message: "names no super-network of this team, nor a search that trained or used one",
        },
      ],
    );
  }
  const ours = spaceHash(job.space);
  if (found.spaceHash !== ours) {
    const message =
      `super-network ${found.id} was trained on another space (${found.spaceHash}, this job's is ${ours}); ` +
      "a search can only search on a super-network of its own space";
    throw new ApiError(422, "supernet_mismatch", `supernet.from: ${message}`, [{ path: "supernet.from", message }]);
  }
  return describeChoice(found, job, (await db.searches.get(found.searchId))?.job);
}

function describeChoice(found: SupernetRecord, job: NasSearch, trainedBy: NasSearch | undefined): SupernetChoice {
  const sameRecipe = found.recipeHash === supernetRecipeHash(job);
  const sameDataset = trainedBy !== undefined && canonicalJson(trainedBy.dataset) === canonicalJson(job.dataset);
  const notes: string[] = [];
  if (!sameDataset) {
    notes.push(
      `dataset: differs from the one super-network ${found.id} was trained on (search ${found.searchId}); ` +
        "its accuracies rank architectures for that data",
    );
  }
  if (!sameRecipe) {
    notes.push(
      `supernet: this job's recipe differs from the one that trained super-network ${found.id}; ` +
        "it is not trained again, its own recipe stands",
    );
  }
  return { id: found.id, searchId: found.searchId, sameDataset, sameRecipe, notes };
}

// What makes two trained super-networks interchangeable (docs/supernet-reuse.md): the same space (a search can only
// load weights shaped by its own space) and the same training recipe and seed. The dataset is the third part; its
// fingerprint comes from the loaded data (@vitnas/datasets), not from the job.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { completeSpace } from "./defaults";
import type { VitSpaceInput } from "./schema";
import { canonicalJson } from "./space";
import type { NasSearch, VitSpace } from "./types";

const digest = (value: unknown) => bytesToHex(sha256(utf8ToBytes(canonicalJson(value)))).slice(0, 32);

/** The space's canonical hash: defaults written out, key order ignored. */
export function spaceHash(space: VitSpace | VitSpaceInput): string {
  return digest(completeSpace(space as VitSpaceInput));
}

/**
 * The hash of everything that decides a super-network's weights besides space and data: the job's `supernet` section
 * and its seed. How often it checkpoints changes nothing (training N steps, saving, loading and training N more
 * equals 2N steps), and `from` / `reuse` only say where the weights come from.
 */
export function supernetRecipeHash(job: Pick<NasSearch, "supernet" | "seed">): string {
  const { from: _from, reuse: _reuse, checkpointEverySteps: _every, attentionWarmupEpochs, ...rest } = job.supernet;
  // Without an attention warm-up the recipe is the one super-networks trained before the field existed used: they
  // keep their hash.
  const recipe = attentionWarmupEpochs ? { ...rest, attentionWarmupEpochs } : rest;
  return digest({ recipe, seed: job.seed });
}

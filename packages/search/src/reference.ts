// The reference point of the hypervolume: accuracy 0 and a MACs figure no candidate of the search exceeds.
import { countArch, largestArch, type SearchSpec, type VitSpace } from "@vitnas/formats";

/**
 * MACs of the space's most expensive corner (@vitnas/formats' largestArch, the upper end of the space's MACs range):
 * an upper bound on its architectures' MACs, used when the search has no MACs maximum.
 */
export function largestMacs(space: VitSpace): number {
  return countArch(largestArch(space)).macs;
}

/** The hypervolume's reference MACs: the search's MACs maximum when it has one, else the space's largest MACs. */
export function referenceMacs(space: VitSpace, search: SearchSpec): number {
  return search.constraints.macs?.max ?? largestMacs(space);
}

// Random search, the baseline an evolutionary search must beat at equal evaluation budget: distinct uniform draws of
// the space that meet the job's constraints. A draw outside them is drawn again, not shrunk into them, so the
// baseline is the space's own distribution under the constraints (as evolution's generation 0 draws it).
import {
  archHash,
  type Constraints,
  countArch,
  createRng,
  meetsConstraints,
  sampleArch,
  type VitArch,
  type VitSpace,
} from "@vitnas/formats";

/** Draws per wanted architecture before giving up (a tight constraint or a small space). */
const ATTEMPTS_PER_ARCH = 100;

/** Up to `count` distinct architectures of `space` meeting `constraints`, seeded; fewer when the draws run out. */
export function randomArchs(space: VitSpace, constraints: Constraints, count: number, seed: number): VitArch[] {
  const rng = createRng(seed);
  const seen = new Set<string>();
  const archs: VitArch[] = [];
  for (let attempt = 0; archs.length < count && attempt < ATTEMPTS_PER_ARCH * count; attempt++) {
    const arch = sampleArch(space, rng);
    const id = archHash(arch);
    if (seen.has(id) || !meetsConstraints(countArch(arch), constraints)) continue;
    seen.add(id);
    archs.push(arch);
  }
  return archs;
}

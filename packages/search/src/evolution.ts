// ViT-ResNAS's evolutionary search (docs/seed-settings.md) with two objectives, as a resumable state machine: the
// caller asks for a generation, evaluates it wherever it likes, records the results, and may save `state` (plain
// JSON) at any point and restore it later to continue exactly as an uninterrupted run would.
//
// Generation 0: with nsga2, the space's cheapest architecture (smallestArch) and `population - 1` random ones;
// with resnas `population` random ones; each shrunk to meet the constraints. Generation
// g >= 1: the best `parents` of everything evaluated so far give `parents` mutants (each gene re-drawn with
// probability mutationProb) and `parents` uniform crossovers (each gene from the second parent with probability
// crossoverProb), each shrunk to meet the constraints. A candidate whose canonical id was already proposed in this
// search is rejected and drawn again. The search ends after generation `generations`, or earlier when a generation
// finds no new architecture.
//
// "The best" depends on `search.strategy`: `nsga2` (the default) ranks by non-dominated sorting, then crowding
// distance, so the result is a front; `resnas` is the paper's own: the most accurate, and every random architecture,
// mutant and crossover is drawn again (same parents) until its MACs lie within [0.975, 1] x constraints.macs.max, at
// most RESNAS_REDRAWS times, then shrunk into the constraints as with nsga2.
import {
  archHash,
  ConstraintError,
  type Constraints,
  countArch,
  createRng,
  crossoverArch,
  meetsConstraints,
  mutateArch,
  pick,
  type Rng,
  randomIndex,
  restoreRng,
  type SearchSpec,
  sampleArch,
  shrinkArch,
  smallestArch,
  type VitArch,
  type VitSpace,
} from "@vitnas/formats";
import { hypervolume, ParetoFront } from "./front";
import { RankedPopulation } from "./ranking";
import { referenceMacs } from "./reference";

/** "smallest": the space's cheapest architecture, seeded into generation 0 (nsga2). */
export type Origin = "random" | "smallest" | "mutation" | "crossover";

/** What the caller measured for one proposed architecture. */
export interface EvaluationResult {
  arch: VitArch;
  /** Top-1 validation accuracy in [0, 1]. */
  accuracy: number;
  macs: number;
  params: number;
}

/** An evaluated architecture. `id` is its canonical hash (archHash). */
export interface Candidate {
  id: string;
  arch: VitArch;
  accuracy: number;
  macs: number;
  params: number;
  generation: number;
  origin: Origin;
  /** Ids of the parents a mutant or crossover came from (none for random ones). */
  parents: string[];
}

export interface Proposal {
  id: string;
  arch: VitArch;
  origin: Origin;
  parents: string[];
}

export interface GenerationSummary {
  generation: number;
  /** Architectures evaluated in this generation, and in the whole search so far. */
  evaluated: number;
  totalEvaluated: number;
  frontSize: number;
  /** Hypervolume of the front after this generation (see `hypervolume`), against `referenceMacs`. */
  hypervolume: number;
}

export const EVOLUTION_STATE_FORMAT = "vitnas-evolution/v1";

/** Everything a search needs to continue: plain JSON. */
export interface EvolutionState {
  format: typeof EVOLUTION_STATE_FORMAT;
  space: VitSpace;
  search: SearchSpec;
  seed: number;
  /** The random generator's state after the last proposal. */
  rng: number[];
  referenceMacs: number;
  /** The generation proposed or to be proposed next; `search.generations + 1` once the search is complete. */
  generation: number;
  /** True when a generation found no architecture that had not been proposed before. */
  exhausted: boolean;
  /** Proposed and not yet recorded, or null when no generation is outstanding. */
  pending: Proposal[] | null;
  history: Candidate[];
  summaries: GenerationSummary[];
}

/** Draws per wanted candidate before giving up on finding new ones (the space may be nearly exhausted). */
const ATTEMPTS_PER_CANDIDATE = 20;

/** The `resnas` strategy's band: a candidate's MACs within [RESNAS_MACS_LOWER, 1] x the MACs maximum (the paper's). */
export const RESNAS_MACS_LOWER = 0.975;
/**
 * Draws of one `resnas` candidate before it falls back to shrinking the last into the constraints: the paper redraws
 * without limit, which never ends where the band holds no architecture the operators reach.
 */
export const RESNAS_REDRAWS = 100;

export class Evolution {
  readonly space: VitSpace;
  readonly search: SearchSpec;
  readonly seed: number;
  readonly referenceMacs: number;
  #rng: Rng;
  #generation: number;
  #exhausted: boolean;
  #pending: Map<string, Proposal> | null;
  #history: Candidate[];
  #summaries: GenerationSummary[];
  #seen = new Set<string>();
  /** The history's objectives, ranked for parent selection; its indices are the history's. */
  #ranked = new RankedPopulation();
  /** Ids of the proposed architecture objects, so recording the very objects handed out needs no hashing. */
  #idOf = new WeakMap<VitArch, string>();
  #front = new ParetoFront<Candidate>();

  private constructor(state: EvolutionState) {
    this.space = state.space;
    this.search = state.search;
    this.seed = state.seed;
    this.referenceMacs = state.referenceMacs;
    this.#rng = restoreRng(state.rng);
    this.#generation = state.generation;
    this.#exhausted = state.exhausted;
    this.#pending = state.pending && new Map(state.pending.map((p) => [p.id, p]));
    this.#history = [...state.history];
    this.#summaries = [...state.summaries];
    for (const c of this.#history) {
      this.#seen.add(c.id);
      this.#front.insert(c);
      this.#ranked.add(c);
    }
    for (const p of this.#pending?.values() ?? []) {
      this.#seen.add(p.id);
      this.#idOf.set(p.arch, p.id);
    }
  }

  /** A new search of `space` with the complete search settings of a `nas-search/v1` job. */
  static create(space: VitSpace, search: SearchSpec, seed: number): Evolution {
    for (const key of ["population", "parents"] as const) {
      if (!Number.isInteger(search[key]) || search[key] < 1) {
        throw new Error(`search.${key} must be a positive integer (is ${search[key]})`);
      }
    }
    for (const key of ["mutationProb", "crossoverProb"] as const) {
      if (!(search[key] >= 0 && search[key] <= 1))
        throw new Error(`search.${key} must be in [0, 1] (is ${search[key]})`);
    }
    if (search.strategy === "resnas" && search.constraints.macs?.max === undefined) {
      throw new Error('search.constraints.macs.max is required with search.strategy "resnas"');
    }
    return new Evolution({
      format: EVOLUTION_STATE_FORMAT,
      space,
      search,
      seed,
      rng: [...createRng(seed).getState()],
      referenceMacs: referenceMacs(space, search),
      generation: 0,
      exhausted: false,
      pending: null,
      history: [],
      summaries: [],
    });
  }

  /** Continues a search from a `state` saved earlier (after a JSON round trip or not). */
  static restore(state: EvolutionState): Evolution {
    if (state?.format !== EVOLUTION_STATE_FORMAT) {
      throw new Error(
        `not an evolution state: format must be "${EVOLUTION_STATE_FORMAT}" (is ${JSON.stringify(state?.format)})`,
      );
    }
    if (!Array.isArray(state.rng) || state.rng.length !== 4 || !state.rng.every(Number.isInteger)) {
      throw new Error("evolution state: rng must be the 4 integers of the generator's state");
    }
    if (!Array.isArray(state.history) || !Array.isArray(state.summaries)) {
      throw new Error("evolution state: history and summaries must be lists");
    }
    return new Evolution(structuredClone(state));
  }

  /** A snapshot to save; restoring it continues the search exactly. */
  get state(): EvolutionState {
    return {
      format: EVOLUTION_STATE_FORMAT,
      space: this.space,
      search: this.search,
      seed: this.seed,
      rng: [...this.#rng.getState()],
      referenceMacs: this.referenceMacs,
      generation: this.#generation,
      exhausted: this.#exhausted,
      pending: this.#pending && [...this.#pending.values()],
      history: [...this.#history],
      summaries: [...this.#summaries],
    };
  }

  get generation(): number {
    return this.#generation;
  }

  get done(): boolean {
    return this.#exhausted || this.#generation > this.search.generations;
  }

  /** The Pareto front of everything evaluated, cheapest first. */
  get front(): readonly Candidate[] {
    return this.#front.points;
  }

  /** Hypervolume of the current front against (referenceMacs, accuracy 0); see `hypervolume`. */
  get hypervolume(): number {
    return hypervolume(this.#front.points, this.referenceMacs);
  }

  get history(): readonly Candidate[] {
    return this.#history;
  }

  get summaries(): readonly GenerationSummary[] {
    return this.#summaries;
  }

  /** Proposed architectures not recorded yet. */
  get pending(): readonly Proposal[] {
    return this.#pending ? [...this.#pending.values()] : [];
  }

  /**
   * The architectures of the current generation to evaluate (empty once done). Asking again before every result is
   * recorded returns the ones still pending.
   */
  proposeGeneration(): VitArch[] {
    if (this.#pending) return [...this.#pending.values()].map((p) => p.arch);
    if (this.done) return [];
    const proposals = this.#generation === 0 ? this.#randomGeneration() : this.#offspring();
    if (proposals.length === 0) {
      this.#exhausted = true;
      return [];
    }
    this.#pending = new Map(proposals.map((p) => [p.id, p]));
    return proposals.map((p) => p.arch);
  }

  /**
   * Records evaluated architectures of the pending generation; the generation ends when all are recorded, and then
   * its summary is returned (the front after it is `front`), so a caller learns of the end from the search itself.
   */
  record(results: readonly EvaluationResult[]): GenerationSummary | undefined {
    for (const r of results) {
      const id = this.#idOf.get(r.arch) ?? archHash(r.arch);
      const proposal = this.#pending?.get(id);
      if (!proposal) {
        const why = this.#seen.has(id) ? "was already recorded" : "was not proposed by this search";
        throw new Error(`cannot record architecture ${id}: it ${why}`);
      }
      if (!(Number.isFinite(r.accuracy) && r.accuracy >= 0 && r.accuracy <= 1)) {
        throw new Error(`cannot record architecture ${id}: accuracy must be in [0, 1] (is ${r.accuracy})`);
      }
      for (const key of ["macs", "params"] as const) {
        if (!(Number.isFinite(r[key]) && r[key] >= 0)) {
          throw new Error(`cannot record architecture ${id}: ${key} must be a finite number >= 0 (is ${r[key]})`);
        }
      }
      const candidate: Candidate = {
        id,
        arch: proposal.arch,
        accuracy: r.accuracy,
        macs: r.macs,
        params: r.params,
        generation: this.#generation,
        origin: proposal.origin,
        parents: proposal.parents,
      };
      this.#pending!.delete(id);
      this.#history.push(candidate);
      this.#front.insert(candidate);
      this.#ranked.add(candidate);
    }
    return this.#pending?.size === 0 ? this.#endGeneration() : undefined;
  }

  #endGeneration(): GenerationSummary {
    const evaluated = this.#history.filter((c) => c.generation === this.#generation).length;
    const summary: GenerationSummary = {
      generation: this.#generation,
      evaluated,
      totalEvaluated: this.#history.length,
      frontSize: this.#front.size,
      hypervolume: hypervolume(this.#front.points, this.referenceMacs),
    };
    this.#summaries.push(summary);
    this.#pending = null;
    this.#generation++;
    return summary;
  }

  /**
   * Adds `arch`, shrunk to the constraints, to `out` if no architecture with its id was proposed before in this
   * search; returns whether it did. A constraint it cannot meet is noted in `failures`.
   */
  #admit(
    arch: VitArch,
    origin: Origin,
    parents: string[],
    out: Proposal[],
    failures: { last?: ConstraintError },
  ): boolean {
    const c: Constraints = this.search.constraints;
    let fitted = arch;
    if (c.macs || c.params) {
      try {
        fitted = shrinkArch(this.space, arch, c, this.#rng);
      } catch (err) {
        if (!(err instanceof ConstraintError)) throw err;
        failures.last = err;
        return false;
      }
    }
    const id = archHash(fitted);
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    this.#idOf.set(fitted, id);
    out.push({ id, arch: fitted, origin, parents });
    return true;
  }

  /** The search's strategy; states saved before the option existed ran nsga2. */
  get strategy(): "nsga2" | "resnas" {
    return this.search.strategy ?? "nsga2";
  }

  /**
   * A draw that meets the constraints: drawn again while it does not (with resnas, also while its MACs lie below
   * the band), at most RESNAS_REDRAWS times, returning the last draw otherwise (#admit shrinks it). Redrawing keeps
   * generation 0 the space's own distribution under the constraints, as random search draws it; shrinking every
   * draw that is over them would push the generation to the cheap end (docs/ranking-fidelity.md).
   */
  #inBand(draw: () => VitArch): VitArch {
    const constraints = this.search.constraints;
    const resnas = this.strategy === "resnas";
    if (!resnas && !constraints.macs && !constraints.params) return draw();
    const fits = (arch: VitArch) => {
      const count = countArch(arch);
      return (
        meetsConstraints(count, constraints) && (!resnas || count.macs >= RESNAS_MACS_LOWER * constraints.macs!.max!)
      );
    };
    let arch = draw();
    for (let redraws = 1; !fits(arch) && redraws < RESNAS_REDRAWS; redraws++) arch = draw();
    return arch;
  }

  /** A random architecture; with resnas, one above the maximum is first shrunk under it, as the paper does. */
  #random(): VitArch {
    const arch = sampleArch(this.space, this.#rng);
    if (this.strategy !== "resnas" || countArch(arch).macs <= this.search.constraints.macs!.max!) return arch;
    try {
      return shrinkArch(this.space, arch, this.search.constraints, this.#rng);
    } catch (err) {
      if (!(err instanceof ConstraintError)) throw err;
      return arch;
    }
  }

  #randomGeneration(): Proposal[] {
    const out: Proposal[] = [];
    const failures: { last?: ConstraintError } = {};
    const wanted = this.search.population;
    // With nsga2, the space's cheapest architecture first: the front's cheap end, which random draws reach only by
    // luck, is then there from the start for mutation to improve on (the boundary solution a multi-objective
    // search is seeded with); resnas searches a band just under the MACs limit, where it does not belong.
    if (this.strategy === "nsga2" && wanted > 1) this.#admit(smallestArch(this.space), "smallest", [], out, failures);
    for (let attempt = 0; out.length < wanted && attempt < wanted * ATTEMPTS_PER_CANDIDATE; attempt++) {
      this.#admit(
        this.#inBand(() => this.#random()),
        "random",
        [],
        out,
        failures,
      );
    }
    if (out.length === 0 && failures.last) {
      throw new Error(`no architecture of the space could be made to meet the constraints: ${failures.last.message}`);
    }
    return out;
  }

  #offspring(): Proposal[] {
    const points = this.#history;
    const best =
      this.strategy === "resnas"
        ? this.#ranked.topByAccuracy(this.search.parents)
        : this.#ranked.selectBest(this.search.parents);
    const parents = best.map((i) => points[i]!);
    const out: Proposal[] = [];
    const failures: { last?: ConstraintError } = {};
    const wanted = parents.length;
    const { mutationProb, crossoverProb } = this.search;
    let made = 0;
    for (let attempt = 0; made < wanted && attempt < wanted * ATTEMPTS_PER_CANDIDATE; attempt++) {
      const parent = pick(this.#rng, parents);
      const child = this.#inBand(() => mutateArch(this.space, parent.arch, mutationProb, this.#rng));
      if (this.#admit(child, "mutation", [parent.id], out, failures)) made++;
    }
    if (parents.length < 2) return out;
    made = 0;
    for (let attempt = 0; made < wanted && attempt < wanted * ATTEMPTS_PER_CANDIDATE; attempt++) {
      const i = randomIndex(this.#rng, parents.length);
      const j = (i + 1 + randomIndex(this.#rng, parents.length - 1)) % parents.length;
      const child = this.#inBand(() =>
        crossoverArch(this.space, parents[i]!.arch, parents[j]!.arch, crossoverProb, this.#rng),
      );
      if (this.#admit(child, "crossover", [parents[i]!.id, parents[j]!.id], out, failures)) made++;
    }
    return out;
  }
}

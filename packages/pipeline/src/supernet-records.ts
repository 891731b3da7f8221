// The records of super-network reuse (docs/supernet-reuse.md, supernet-reuse.ts): what a caller offers a search to
// search on, and what a search reports of the super-network it trained. Plain data, part of the contract in
// types.ts; kept apart from supernet-reuse.ts, and importing nothing, so types.ts need not import that module, which
// imports progress.ts, which imports types.ts back.

/** A trained super-network a search may search on. */
export interface ReusableSupernet {
  /** How the caller names it (the service: its id). */
  id: string;
  /** Its checkpoint directory, read only. */
  dir: string;
  /** The fingerprint of the data it was trained on, when known: a search on other data says so. */
  datasetFingerprint?: string;
  /**
   * Reused whatever the data (`supernet.from`); otherwise only on data with the same fingerprint (`supernet.reuse:
   * "auto"`).
   */
  anyData?: boolean;
}

/** One sub-network's figures on the validation split. */
export interface SubnetFigures {
  id: string;
  accuracy: number;
  macs: number;
}

/** What a search that trained its super-network reports about it when training ends. */
export interface TrainedSupernet {
  /** The checkpoint's id: the evaluation cache's key. */
  checkpoint: string;
  spaceHash: string;
  recipeHash: string;
  datasetFingerprint: string;
  epochs: number;
  largest: SubnetFigures;
  smallest: SubnetFigures;
}

// Messages between the main thread and a training or evaluation thread (thread.ts). Every request carries an id;
// the thread answers it with a reply of the same id or an error with its message.
import type { VitArch, VitSpace } from "@vitnas/formats";
import type { BackendName } from "../backend";
import type { EvaluateOptions } from "../evaluate";
import type { ForwardOptions } from "../model";
import type { AttentionWeights, TokenWeights } from "../space";
import type { InitScheme } from "../weights";
import type { WeightLayout } from "./shared-weights";
import type { Segment } from "./split";

/** A super-network like the main thread's, its weights read from `weights`. */
export interface InitRequest {
  type: "init";
  backend: BackendName;
  space: VitSpace;
  seed: number;
  init: InitScheme;
  attentionWeights: AttentionWeights;
  tokenWeights: TokenWeights;
  weights: WeightLayout;
}

/** One share of a training step (share.ts); `changed` names the weights to read again first. */
export interface StepRequest {
  type: "step";
  changed: string[];
  segments: Segment[];
  features: Float32Array;
  /** [n, H, W, C] of `features`. */
  featureShape: [number, number, number, number];
  target: Float32Array;
  batchSize: number;
  forward: ForwardOptions;
  featureGrad: boolean;
}

/** The validation split (shared, read-only) and the options of the thread's Evaluator. */
export interface SplitRequest {
  type: "split";
  images: Float32Array;
  labels: Int32Array;
  count: number;
  imageSize: number;
  channels: number;
  classes: number;
  options: EvaluateOptions;
}

export interface AccuracyRequest {
  type: "accuracy";
  arch: VitArch;
}

/** Tensors the thread's tfjs engine holds (leak checks). */
export interface MemoryRequest {
  type: "memory";
}

export type Request = InitRequest | StepRequest | SplitRequest | AccuracyRequest | MemoryRequest;

export interface StepReply {
  loss: number;
  names: string[];
  grads: Float32Array[];
  features?: Float32Array;
}

export type Reply =
  | { id: number; ok: true; value: StepReply | number | null }
  | { id: number; ok: false; message: string; stack?: string };

// The attention registry: adding a type is one module file and one line here.
import type { AttentionSpec, AttentionType } from "@vitnas/formats";
import { castling } from "./castling";
import { fnet } from "./fnet";
import { linformer } from "./linformer";
import { mixer } from "./mixer";
import { nystrom } from "./nystrom";
import { performer } from "./performer";
import { softmax } from "./softmax";
import type { AttentionModule } from "./types";
import { xnorm } from "./xnorm";

export const attentionRegistry = {
  softmax,
  performer,
  linformer,
  nystrom,
  fnet,
  mixer,
  castling,
  xnorm,
} satisfies { [T in AttentionType]: AttentionModule<Extract<AttentionSpec, { type: T }>> };

export function attentionModule(spec: AttentionSpec): AttentionModule {
  const module = attentionRegistry[spec.type] as AttentionModule | undefined;
  if (!module) throw new Error(`unknown attention type "${spec.type}"`);
  return module;
}

export type { AttentionContext, AttentionDims, AttentionModule, ExtraWeight } from "./types";

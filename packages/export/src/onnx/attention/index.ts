// The attention registry of the exporter: one module per type, the same keys as the model's registry.
import type { AttentionSpec, AttentionType } from "@vitnas/formats";
import { castling } from "./castling";
import { fnet } from "./fnet";
import { linformer } from "./linformer";
import { mixer } from "./mixer";
import { nystrom } from "./nystrom";
import { performer } from "./performer";
import { softmax } from "./softmax";
import type { AttentionExport } from "./types";
import { xnorm } from "./xnorm";

export const attentionExports = {
  softmax,
  performer,
  linformer,
  nystrom,
  fnet,
  mixer,
  castling,
  xnorm,
} satisfies { [T in AttentionType]: AttentionExport<Extract<AttentionSpec, { type: T }>> };

export function attentionExport(spec: AttentionSpec): AttentionExport {
  const fn = attentionExports[spec.type] as AttentionExport | undefined;
  if (!fn) throw new Error(`the exporter has no "${spec.type}" attention`);
  return fn;
}

export type { AttentionCtx, AttentionExport } from "./types";

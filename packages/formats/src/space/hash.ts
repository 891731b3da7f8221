// Canonical identity of an architecture: the same model written differently (key order, defaults omitted or
// written out, the ignored reduction of stage 0) gets the same id, and so do architectures that differ only in
// fields the model never uses (see canonicalForm), so a search never holds one network twice.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { ATTENTION_COSTS, mixerHidden } from "../attention";
import { type StageGeometry, stageGeometry } from "../counter";
import { completeArch } from "../defaults";
import { isRotary } from "../position";
import { type VitArchInput, VitArchSchema } from "../schema";
import type { AttentionSpec, BlockSpec, StageSpec, VitArch } from "../types";

const quotedKeys = new Map<string, string>();
const quoted = (key: string) => {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, q);
  }
  return q;
};

/** JSON with object keys sorted at every level, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    out += `${out.length > 1 ? "," : ""}${quoted(k)}:${typeof v === "number" && Number.isFinite(v) ? String(v) : canonicalJson(v)}`;
  }
  return `${out}}`;
}

interface SchemaNode {
  type?: string;
  const?: unknown;
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The union branch an object belongs to: its keys are all declared, the required ones present, constants equal. */
function branchOf(node: SchemaNode, value: unknown): SchemaNode | undefined {
  if (!node.anyOf) return node;
  return node.anyOf.find((b) => {
    if (b.type !== "object" || !b.properties || !isRecord(value)) return false;
    const props = b.properties;
    if (!Object.keys(value).every((k) => k in props)) return false;
    if (!(b.required ?? []).every((k) => k in value)) return false;
    return Object.entries(props).every(([k, p]) => p.const === undefined || value[k] === p.const);
  });
}

/** Fields of the complete type that stay optional: defaults never fill them (a block's `index`, types.ts). */
const UNFILLED = new Set(["index"]);

/**
 * Whether every property the schema declares is written out and no other, at every level (then completing changes
 * nothing, and the document has exactly the complete type's shape).
 */
function complete(node: SchemaNode, value: unknown): boolean {
  if (Array.isArray(value)) return node.items ? value.every((item) => complete(node.items!, item)) : true;
  if (!isRecord(value)) return true;
  const branch = branchOf(node, value);
  const props = branch?.properties;
  if (!props) return false;
  for (const key in value) if (!(key in props)) return false;
  for (const key in props) {
    if (value[key] === undefined) {
      if (UNFILLED.has(key)) continue;
      return false;
    }
    if (!complete(props[key]!, value[key])) return false;
  }
  return true;
}

const num = (n: number) => (Number.isFinite(n) ? String(n) : "null");

/**
 * canonicalJson of an architecture of exactly the complete type's shape, written field by field in sorted key
 * order: the same text, several times faster.
 */
function completeArchJson(a: VitArch): string {
  let stages = "";
  for (const s of a.stages) {
    let blocks = "";
    for (const b of s.blocks) {
      const index = b.index === undefined ? "" : `"index":${num(b.index)},`;
      blocks += `${blocks ? "," : ""}{"attention":${canonicalJson(b.attention)},"heads":${num(b.heads)},${index}"mlpHidden":${num(b.mlpHidden)}}`;
    }
    stages += `${stages ? "," : ""}{"blocks":[${blocks}],"headDim":${num(s.headDim)},"reduction":${JSON.stringify(s.reduction)},"width":${num(s.width)}}`;
  }
  const { input, stem } = a;
  const p = stem.patch;
  return (
    `{"classToken":${a.classToken},"format":${JSON.stringify(a.format)},` +
    `"input":{"channels":${num(input.channels)},"classes":${num(input.classes)},"imageSize":${num(input.imageSize)}},` +
    `"position":${JSON.stringify(a.position)},"stages":[${stages}],` +
    `"stem":{"convs":${canonicalJson(stem.convs)},"patch":{"kernel":${num(p.kernel)},"padding":${num(p.padding)},"stride":${num(p.stride)}}}}`
  );
}

/** Heads written for a block without q/k/v (fnet, mixer), which has no heads: the smallest count allowed. */
export const UNUSED_HEADS = 1;
/**
 * Head dimension written for a stage none of whose blocks has q/k/v, which never reads it: the smallest that is
 * valid under every position kind (rope needs a multiple of 4).
 */
export const UNUSED_HEAD_DIM = 4;

/**
 * Whether a block has q/k/v: only these read `heads`, the stage's `headDim` and the rotary positions (the counter
 * and the super-network agree on which types have them; an unknown type counts as using everything).
 */
const hasQKV = (attention: AttentionSpec): boolean =>
  (ATTENTION_COSTS as Partial<Record<string, { projections: boolean }>>)[attention.type]?.projections ?? true;

/** The representative of an attention's class on `tokens` tokens (the argument itself when it is one). */
function canonicalAttention(attention: AttentionSpec, tokens: number): AttentionSpec {
  if (!(Number.isSafeInteger(tokens) && tokens >= 1)) return attention;
  if (attention.type === "nystrom") {
    // Nystrom uses min(landmarks, N) landmarks (and reads no weight sized by them).
    return attention.landmarks > tokens ? { ...attention, landmarks: tokens } : attention;
  }
  if (attention.type === "mixer" && attention.expansion > 0 && Number.isFinite(attention.expansion)) {
    // The token MLP has h = max(1, floor(expansion * N)) hidden units and reads the leading h of its weights: only
    // h matters. Its representative is h / N, or (h + 1/2) / N where rounding makes floor(h / N * N) fall short.
    const h = mixerHidden(attention.expansion, tokens);
    let expansion = h / tokens;
    if (mixerHidden(expansion, tokens) !== h) expansion = (h + 0.5) / tokens;
    return expansion === attention.expansion ? attention : { ...attention, expansion };
  }
  return attention;
}

/**
 * The representative of a complete architecture's class: the argument itself when it is one, else a copy sharing
 * the unchanged parts. Only fields that change neither the function computed nor the weights read from the
 * super-network (nor the MACs and parameters counted) are rewritten:
 * - stage 0's reduction (ignored) becomes "none";
 * - the heads of a block without q/k/v (fnet, mixer) become UNUSED_HEADS;
 * - the head dimension of a stage without a q/k/v block becomes UNUSED_HEAD_DIM;
 * - rotary positions ("rope", "rope1d": they rotate only q and k) become "none" when no block has q/k/v;
 * - nystrom landmarks beyond the stage's tokens N become N (min(landmarks, N) are used);
 * - a mixer expansion becomes the representative of its hidden size on the stage's tokens;
 * - linformer's shareKV "projection" becomes true (the same meaning);
 * - a block's `index` equal to its place in the list is dropped (it is the default).
 * Not rewritten, as they change the weights read or the MACs: linformer's k, conv kernels beyond the tokens, nystrom
 * iterations with a single landmark.
 */
function canonicalForm(arch: VitArch): VitArch {
  const stageQKV = arch.stages.map((s) => s.blocks.some((b) => hasQKV(b.attention)));
  const position = isRotary(arch.position) && !stageQKV.includes(true) ? "none" : arch.position;
  let geometry: StageGeometry[] | undefined;
  let changed = position !== arch.position;
  const stages = arch.stages.map((stage, i): StageSpec => {
    const reduction = i === 0 ? "none" : stage.reduction;
    const headDim = stageQKV[i] ? stage.headDim : UNUSED_HEAD_DIM;
    let blocksChanged = false;
    const blocks = stage.blocks.map((block, j): BlockSpec => {
      const heads = hasQKV(block.attention) ? block.heads : UNUSED_HEADS;
      let attention = block.attention;
      if (attention.type === "nystrom" || attention.type === "mixer") {
        geometry ??= stageGeometry(arch);
        attention = canonicalAttention(attention, geometry[i]!.tokens);
      } else if (attention.type === "linformer" && (attention.shareKV as unknown) === "projection") {
        // The boolean's meaning spelt out (defaults.ts completes it to true).
        attention = { ...attention, shareKV: true };
      }
      const placed = block.index === j;
      if (heads === block.heads && attention === block.attention && !placed) return block;
      blocksChanged = true;
      const { index: _, ...rest } = block;
      return { ...(placed ? rest : block), heads, attention };
    });
    if (!blocksChanged && reduction === stage.reduction && headDim === stage.headDim) return stage;
    changed = true;
    return { ...stage, reduction, headDim, blocks: blocksChanged ? blocks : stage.blocks };
  });
  return changed ? { ...arch, position, stages } : arch;
}

/**
 * The complete architecture in the form its id is computed from: the representative of the class of architectures
 * that compute the same function with the same weights (see canonicalForm). It is made for hashing: it is valid,
 * but need not be a member of the space the argument came from (a new object; the argument is not changed).
 */
export function canonicalArch(arch: VitArch | VitArchInput): VitArch {
  const full = complete(VitArchSchema as SchemaNode, arch) ? (arch as VitArch) : completeArch(arch as VitArchInput);
  const canonical = canonicalForm(full);
  return canonical === arch ? { ...canonical } : canonical;
}

/** The canonical JSON an architecture's id is the hash of. */
export function canonicalArchJson(arch: VitArch | VitArchInput): string {
  if (!complete(VitArchSchema as SchemaNode, arch)) return canonicalJson(canonicalArch(arch));
  return completeArchJson(canonicalForm(arch as VitArch));
}

// Node's native SHA-256 where there is one (several times faster); the portable one elsewhere (browsers).
const nativeCrypto = (globalThis as { process?: NodeJS.Process }).process?.getBuiltinModule?.("node:crypto") as
  | typeof import("node:crypto")
  | undefined;
const sha256Hex = nativeCrypto
  ? (text: string) => nativeCrypto.createHash("sha256").update(text).digest("hex")
  : (text: string) => bytesToHex(sha256(utf8ToBytes(text)));

/** Canonical id: the first 16 hex digits of the SHA-256 of the canonical JSON. */
export function archHash(arch: VitArch | VitArchInput): string {
  return sha256Hex(canonicalArchJson(arch)).slice(0, 16);
}

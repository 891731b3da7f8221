// Canonical identity of an architecture: the same model written differently (key order, defaults omitted or
// written out, the ignored reduction of stage 0) gets the same id.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { completeArch } from "../defaults";
import { type VitArchInput, VitArchSchema } from "../schema";
import type { VitArch } from "../types";

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
  for (const key in props) if (value[key] === undefined || !complete(props[key]!, value[key])) return false;
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
      blocks += `${blocks ? "," : ""}{"attention":${canonicalJson(b.attention)},"heads":${num(b.heads)},"mlpHidden":${num(b.mlpHidden)}}`;
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

/** The complete architecture in the form its id is computed from (a new object; the argument is not changed). */
export function canonicalArch(arch: VitArch | VitArchInput): VitArch {
  const full = complete(VitArchSchema as SchemaNode, arch) ? (arch as VitArch) : completeArch(arch as VitArchInput);
  const [first, ...rest] = full.stages;
  return first ? { ...full, stages: [{ ...first, reduction: "none" }, ...rest] } : full;
}

/** The canonical JSON an architecture's id is the hash of. */
export function canonicalArchJson(arch: VitArch | VitArchInput): string {
  if (!complete(VitArchSchema as SchemaNode, arch)) return canonicalJson(canonicalArch(arch));
  const a = arch as VitArch;
  const first = a.stages[0];
  return completeArchJson(
    first && first.reduction !== "none" ? { ...a, stages: [{ ...first, reduction: "none" }, ...a.stages.slice(1)] } : a,
  );
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

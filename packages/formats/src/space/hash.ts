// Canonical identity of an architecture: the same model written differently (key order, defaults omitted or
// written out, the ignored reduction of stage 0) gets the same id.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { completeArch } from "../defaults";
import { type VitArchInput, VitArchSchema } from "../schema";
import type { VitArch } from "../types";

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
    if (record[k] === undefined) continue;
    out += `${out.length > 1 ? "," : ""}${JSON.stringify(k)}:${canonicalJson(record[k])}`;
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

/** Whether every property the schema declares is written out, at every level (then completing changes nothing). */
function complete(node: SchemaNode, value: unknown): boolean {
  if (Array.isArray(value)) return node.items ? value.every((item) => complete(node.items!, item)) : true;
  if (!isRecord(value)) return true;
  const branch = branchOf(node, value);
  if (!branch?.properties) return false;
  for (const [key, child] of Object.entries(branch.properties)) {
    if (value[key] === undefined || !complete(child, value[key])) return false;
  }
  return true;
}

/** The complete architecture in the form its id is computed from (a new object; the argument is not changed). */
export function canonicalArch(arch: VitArch | VitArchInput): VitArch {
  const full = complete(VitArchSchema as SchemaNode, arch) ? (arch as VitArch) : completeArch(arch as VitArchInput);
  const [first, ...rest] = full.stages;
  return first ? { ...full, stages: [{ ...first, reduction: "none" }, ...rest] } : full;
}

/** Canonical id: the first 16 hex digits of the SHA-256 of the canonical JSON. */
export function archHash(arch: VitArch | VitArchInput): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(canonicalArch(arch))))).slice(0, 16);
}

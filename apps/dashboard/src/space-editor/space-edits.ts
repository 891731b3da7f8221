// The vit-space/v1 editor's model: the space is the parsed JSON text itself, and every control edits it through
// these pure functions, so the text and the controls never disagree. Whatever a control is given is written as is
// (a list item that is not a number stays a string): the API's validation then names the problem in its own words
// at its path, instead of the dashboard refusing input of its own.

export type JsonObject = Record<string, unknown>;

// The option names of vit-space/v1 (@vitnas/formats' schema; a test holds these to it). The dashboard does not
// bundle the formats package, whose validator would double the page's weight.
export const ATTENTION_TYPES = [
  "softmax",
  "performer",
  "linformer",
  "nystrom",
  "fnet",
  "mixer",
  "castling",
  "xnorm",
] as const;
export const REDUCTIONS = ["residual", "conv", "none"] as const;
export const POSITIONS = ["learned", "rope", "rope1d", "none"] as const;

export interface AttentionOption {
  key: string;
  label: string;
  /** A fixed set of values (a select); otherwise a number typed in. */
  choices?: { value: unknown; label: string }[];
}

/** The parameters each attention type takes; left empty, the schema's default applies. */
export const ATTENTION_OPTIONS: Record<string, AttentionOption[]> = {
  performer: [{ key: "features", label: "Random features" }],
  linformer: [
    { key: "k", label: "Projected length k" },
    {
      key: "shareKV",
      label: "K and V projections",
      choices: [
        { value: true, label: "shared E" },
        { value: false, label: "E and F" },
        { value: "kv", label: "V is K" },
      ],
    },
  ],
  nystrom: [
    { key: "landmarks", label: "Landmarks" },
    { key: "iterations", label: "Pseudo-inverse iterations" },
    { key: "convKernel", label: "Conv kernel" },
  ],
  mixer: [{ key: "expansion", label: "Expansion" }],
  castling: [{ key: "convKernel", label: "Conv kernel" }],
};

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The space the JSON text holds, or why the controls cannot follow it. */
export function parseSpace(text: string): { space: JsonObject } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return { error: `the JSON does not parse (${(cause as Error).message})` };
  }
  return isObject(value) ? { space: value } : { error: "the space must be a JSON object" };
}

export const spaceText = (space: JsonObject): string => JSON.stringify(space, null, 2);

/** A list as a control shows it: "32, 48, 64". */
export function formatList(value: unknown): string {
  if (value === undefined) return "";
  if (!Array.isArray(value)) return typeof value === "string" ? value : JSON.stringify(value);
  return value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
}

const token = (text: string): unknown => (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text) ? Number(text) : text);

/** What a list control's text says: comma- or space-separated items, numbers where they read as numbers. */
export function parseList(text: string): unknown[] {
  return text
    .split(/[\s,]+/)
    .filter((t) => t !== "")
    .map(token);
}

/** A single value's text: empty removes the field (its default applies), a number where it reads as one. */
export function parseScalar(text: string): unknown {
  const trimmed = text.trim();
  return trimmed === "" ? undefined : token(trimmed);
}

export const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A copy of `target` with `value` at `path` (undefined removes it), objects and arrays copied along the way. */
export function setIn<T>(target: T, path: readonly (string | number)[], value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path;
  const copy = (
    Array.isArray(target) ? [...target] : isObject(target) ? { ...target } : typeof head === "number" ? [] : {}
  ) as Record<string | number, unknown>;
  const next = setIn(copy[head!], rest, value);
  if (next === undefined && !Array.isArray(copy)) delete copy[head!];
  else copy[head!] = next;
  return copy as T;
}

export function getIn(target: unknown, path: readonly (string | number)[]): unknown {
  let current = target;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** The stages as the controls list them (an absent or malformed list shows as none). */
export const stagesOf = (space: JsonObject): unknown[] => (Array.isArray(space.stages) ? space.stages : []);

/** A new last stage: a copy of the current last one, so it starts valid (widths never shrink). */
export function addStage(space: JsonObject): JsonObject {
  const stages = stagesOf(space);
  const last = stages.at(-1);
  const stage = isObject(last)
    ? structuredClone(last)
    : { widths: [64], headDim: 16, depth: [1], heads: [4], mlpHidden: [128], attention: ["softmax"] };
  // Stage 0 ignores its reduction; a later stage states one.
  if (stages.length > 0 && stage.reduction === undefined) stage.reduction = ["none"];
  return { ...space, stages: [...stages, stage] };
}

export function removeStage(space: JsonObject, index: number): JsonObject {
  return { ...space, stages: stagesOf(space).filter((_, i) => i !== index) };
}

/** The list with `value` added (at the end) or removed; a single value where the format allows one reads as a list. */
export function toggle(list: unknown, value: string, on: boolean): unknown[] {
  const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
  const without = items.filter((item) => item !== value);
  return on ? [...without, value] : without;
}

/** An attention candidate's type and parameters, whether written as a bare type name or as an object. */
export function attentionEntry(entry: unknown): { type: string; options: JsonObject } {
  if (typeof entry === "string") return { type: entry, options: {} };
  if (isObject(entry)) {
    const { type, ...options } = entry;
    return { type: typeof type === "string" ? type : "", options };
  }
  return { type: "", options: {} };
}

/** A candidate as written: the bare type name while it has no parameters, else an object. */
export function attentionValue(type: string, options: JsonObject): unknown {
  const set = Object.entries(options).filter(([, v]) => v !== undefined);
  return set.length === 0 ? type : { type, ...Object.fromEntries(set) };
}

/** Position kinds: the format takes one or a list. */
export const positionsOf = (space: JsonObject): unknown[] =>
  Array.isArray(space.position) ? space.position : space.position === undefined ? ["learned"] : [space.position];

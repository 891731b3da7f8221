// Hostile requests derived from the API's own OpenAPI document, so a route or field added later is fuzzed without
// editing the fuzz test: every path and query parameter and every field of a JSON body, each given boundary numbers,
// numbers beyond 64 bits or not finite, strings Postgres cannot store, and values of the wrong type.

type Schema = Record<string, unknown>;

export interface Param {
  in: "path" | "query";
  name: string;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** OpenAPI template, e.g. /v1/searches/{id}/candidates */
  path: string;
  params: Param[];
  body?: Schema;
}

/** One hostile value as it goes in a URL (already escaped) and in a JSON body (a raw JSON token). */
export interface FuzzValue {
  label: string;
  url: string;
  json: string;
  /** The number it stands for, where it is one (NaN and Infinity included). */
  num?: number;
  /** A string Postgres cannot store: every route must answer 400. */
  unstorable?: boolean;
}

/** A body field: its path in the document, its schema, and what the variant it lies in needs to be chosen. */
export interface BodyField {
  path: string[];
  schema: Schema;
  /** Discriminators (single-value enums) and required strings of the enclosing union variants. */
  fixes: [string[], unknown][];
}

const number = (label: string, num: number, text = String(num)): FuzzValue => ({ label, url: text, json: text, num });
const text = (label: string, value: string): FuzzValue => ({
  label,
  url: encodeURIComponent(value),
  json: JSON.stringify(value),
});

export const HOSTILE: FuzzValue[] = [
  number("-1", -1),
  number("0", 0),
  number("0.5", 0.5),
  number("1e20", 1e20, "1e20"),
  number("-1e20", -1e20, "-1e20"),
  number("2^53+1", 2 ** 53 + 1, "9007199254740993"),
  number("int8 max", 2 ** 63, "9223372036854775807"),
  number("int8 max+1", 2 ** 63, "9223372036854775808"),
  number("1e400", Number.POSITIVE_INFINITY, "1e400"),
  number("-1e400", Number.NEGATIVE_INFINITY, "-1e400"),
  { label: "Infinity", url: "Infinity", json: "Infinity", num: Number.POSITIVE_INFINITY },
  { label: "-Infinity", url: "-Infinity", json: "-Infinity", num: Number.NEGATIVE_INFINITY },
  { label: "NaN", url: "NaN", json: "NaN", num: Number.NaN },
  { ...text("NUL", "a\u0000b"), unstorable: true },
  { ...text("NUL alone", "\u0000"), unstorable: true },
  // A lone surrogate has no UTF-8 form: in a URL only its (invalid) CESU-8 bytes can be sent.
  { label: "lone high surrogate", url: "%ED%A0%80x", json: '"\\ud800x"', unstorable: true },
  { label: "lone low surrogate", url: "x%ED%B0%80", json: '"x\\udc00"', unstorable: true },
  text("empty", ""),
  text("word", "abc"),
  text("quote", "'; DROP TABLE candidates; --"),
  { label: "true", url: "true", json: "true" },
  { label: "null", url: "null", json: "null" },
  { label: "array", url: "%5B%5D", json: "[]" },
  { label: "object", url: "%7B%7D", json: "{}" },
];

/** Values at and just beyond the schema's own bounds. */
export function boundaryValues(schema: Schema): FuzzValue[] {
  const out: FuzzValue[] = [];
  for (const key of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]) {
    const bound = schema[key];
    if (typeof bound !== "number") continue;
    out.push(number(`${key}`, bound), number(`${key}-1`, bound - 1), number(`${key}+1`, bound + 1));
  }
  if (typeof schema.maxLength === "number") out.push(text("maxLength+1", "x".repeat(schema.maxLength + 1)));
  return out;
}

const NUMERIC = new Set(["number", "integer"]);
const WRONG_TYPE_PROBES = new Set([
  "NUL",
  "lone high surrogate",
  "1e400",
  "-1",
  "word",
  "true",
  "null",
  "array",
  "object",
]);

/**
 * The hostile values worth sending to a field of this type, plus its boundaries: every number for a numeric field,
 * every string for a string one, and for any field a few of each other kind (wrong types). Keeps a sweep of every
 * field of a large body quick.
 */
export function valuesFor(schema: Schema): FuzzValue[] {
  const numeric = NUMERIC.has(schema.type as string);
  const stringy = schema.type === "string";
  const relevant = (v: FuzzValue) =>
    WRONG_TYPE_PROBES.has(v.label) ||
    (numeric && v.num !== undefined) ||
    (stringy && (v.unstorable || v.json.startsWith('"')));
  return [...HOSTILE.filter(relevant), ...boundaryValues(schema)];
}

/** True when a number schema must refuse `num` (outside its bounds or not finite). */
export function outOfBounds(schema: Schema, num: number | undefined): boolean {
  if (num === undefined || (schema.type !== "number" && schema.type !== "integer")) return false;
  if (!Number.isFinite(num)) return true;
  const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax } = schema;
  return (
    (typeof min === "number" && num < min) ||
    (typeof max === "number" && num > max) ||
    (typeof xmin === "number" && num <= xmin) ||
    (typeof xmax === "number" && num >= xmax)
  );
}

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: (Param & { in: string })[]; requestBody?: unknown }>>;
  components?: { schemas?: Record<string, Schema> };
}

function resolver(doc: OpenApi) {
  return (schema: Schema): Schema => {
    const ref = schema.$ref;
    if (typeof ref !== "string") return schema;
    return doc.components?.schemas?.[ref.replace("#/components/schemas/", "")] ?? {};
  };
}

export function operations(doc: OpenApi): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []).filter((p): p is Param => p.in === "path" || p.in === "query");
      const body = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content?.[
        "application/json"
      ]?.schema;
      out.push({ method: method.toUpperCase(), path, params, ...(body ? { body: resolver(doc)(body) } : {}) });
    }
  }
  return out;
}

/** Every field of a body schema (through $refs, unions and arrays, to a bounded depth). */
export function bodyFields(doc: OpenApi, root: Schema, maxDepth = 6): BodyField[] {
  const resolve = resolver(doc);
  const out = new Map<string, BodyField>();
  const walk = (raw: Schema, path: string[], fixes: [string[], unknown][]) => {
    const schema = resolve(raw);
    const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
    if (variants) {
      for (const variant of variants) walk(variant, path, fixes);
      return;
    }
    const key = path.join(".");
    if (path.length > 0 && !out.has(key)) out.set(key, { path, schema, fixes });
    if (path.length >= maxDepth) return;
    if (schema.type === "array" && schema.items) walk(schema.items as Schema, [...path, "0"], fixes);
    const properties = schema.properties as Record<string, Schema> | undefined;
    if (!properties) return;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const own: [string[], unknown][] = [];
    for (const [name, prop] of Object.entries(properties)) {
      const p = resolve(prop);
      const only = Array.isArray(p.enum) && p.enum.length === 1 ? p.enum[0] : undefined;
      if (only !== undefined) own.push([[...path, name], only]);
      else if (required.has(name) && p.type === "string") own.push([[...path, name], "x"]);
    }
    for (const [name, prop] of Object.entries(properties)) walk(prop, [...path, name], [...fixes, ...own]);
  };
  walk(root, [], []);
  return [...out.values()];
}

const RAW = "\u0001raw\u0001";

/** `example` with `field` set to the raw JSON token of `value`, as the request's body text. */
export function bodyWith(example: unknown, field: BodyField, value: FuzzValue): string {
  const doc = structuredClone(example) as Record<string, unknown>;
  const set = (path: string[], v: unknown) => {
    let node: Record<string, unknown> = doc;
    for (const [i, key] of path.slice(0, -1).entries()) {
      const next = node[key];
      if (typeof next !== "object" || next === null) node[key] = path[i + 1] === "0" ? [] : {};
      node = node[key] as Record<string, unknown>;
    }
    node[path.at(-1)!] = v;
  };
  for (const [path, v] of field.fixes) set(path, v);
  set(field.path, RAW);
  return JSON.stringify(doc).replace(JSON.stringify(RAW), () => value.json);
}

/** The URL of `op` with each path parameter from `pathValues` and the query string `query` (already escaped). */
export function urlFor(op: Operation, pathValues: Record<string, string>, query: [string, string][] = []): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name] ?? "x");
  return `${path}${query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join("&")}` : ""}`;
}

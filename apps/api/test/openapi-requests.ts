// Hostile requests derived from the API's own OpenAPI document, so a route or field added later is fuzzed without
// editing the fuzz test: every path, query and header parameter and every field of a JSON body, each given boundary
// numbers, numbers beyond 64 bits or not finite, strings Postgres cannot store, and values of the wrong type; plus
// the headers every route reads (credentials, the session cookie, SSE's Last-Event-ID, the body's content type).

type Schema = Record<string, unknown>;

export interface Param {
  in: "path" | "query" | "header";
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

/** One hostile value as it goes in a URL (already escaped), in a JSON body (a raw JSON token) and in a header. */
export interface FuzzValue {
  label: string;
  url: string;
  json: string;
  /**
   * As a header carries it: the URL form's bytes as Latin-1 text (HTTP's obs-text), so a lone surrogate's bytes go
   * as they are; where that would hold a control character no client can send (NUL), the escaped text instead.
   */
  header: string;
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

/** The bytes a URL's %XX escapes stand for, as Latin-1 text; the escaped text itself when they hold a control. */
function headerForm(url: string): string {
  const bytes = url.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is looked for
  return /[\u0000-\u0008\u000a-\u001f\u007f]/.test(bytes) ? url : bytes;
}

const fuzzValue = (v: Omit<FuzzValue, "header">): FuzzValue => ({ ...v, header: headerForm(v.url) });
const number = (label: string, num: number, text = String(num)): FuzzValue =>
  fuzzValue({ label, url: text, json: text, num });
const text = (label: string, value: string): FuzzValue =>
  fuzzValue({ label, url: encodeURIComponent(value), json: JSON.stringify(value) });

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
  fuzzValue({ label: "Infinity", url: "Infinity", json: "Infinity", num: Number.POSITIVE_INFINITY }),
  fuzzValue({ label: "-Infinity", url: "-Infinity", json: "-Infinity", num: Number.NEGATIVE_INFINITY }),
  fuzzValue({ label: "NaN", url: "NaN", json: "NaN", num: Number.NaN }),
  { ...text("NUL", "a\u0000b"), unstorable: true },
  { ...text("NUL alone", "\u0000"), unstorable: true },
  // A lone surrogate has no UTF-8 form: in a URL only its (invalid) CESU-8 bytes can be sent.
  fuzzValue({ label: "lone high surrogate", url: "%ED%A0%80x", json: '"\\ud800x"', unstorable: true }),
  fuzzValue({ label: "lone low surrogate", url: "x%ED%B0%80", json: '"x\\udc00"', unstorable: true }),
  text("empty", ""),
  text("word", "abc"),
  text("quote", "'; DROP TABLE candidates; --"),
  fuzzValue({ label: "true", url: "true", json: "true" }),
  fuzzValue({ label: "null", url: "null", json: "null" }),
  fuzzValue({ label: "array", url: "%5B%5D", json: "[]" }),
  fuzzValue({ label: "object", url: "%7B%7D", json: "{}" }),
];

const raw = (label: string, header: string): FuzzValue => ({
  label,
  url: encodeURIComponent(header),
  json: "",
  header,
});

/**
 * Headers every route reads, whatever its OpenAPI entry says: the key (auth.ts), the dashboard's session cookie
 * (its value is URL-decoded), where an event stream resumes (event-stream.ts), the origin checks of cookie-signed
 * writes, and the content type that picks a body parser.
 */
export const HOSTILE_HEADERS: [string, FuzzValue][] = [
  ...[
    raw("empty", ""),
    raw("scheme only", "Bearer"),
    raw("empty key", "Bearer "),
    raw("short key", "Bearer x"),
    raw("basic", "Basic dXNlcjpwYXNz"),
    raw("8 KiB key", `Bearer ${"k".repeat(8192)}`),
    raw("escaped NUL", "Bearer a%00b"),
    raw("Latin-1 bytes", "Bearer \u00ed\u00a0\u0080\u00ff"),
  ].map((v): [string, FuzzValue] => ["authorization", v]),
  ...[
    raw("empty", "vitnas_session="),
    raw("unknown", "vitnas_session=abc"),
    raw("bad escape", "vitnas_session=%E0%A4%A"),
    raw("escaped NUL", "vitnas_session=%00"),
    raw("8 KiB", `vitnas_session=${"s".repeat(8192)}`),
    raw("twice", "vitnas_session=a; vitnas_session=b"),
    raw("Latin-1 bytes", "vitnas_session=\u00ff\u00fe"),
  ].map((v): [string, FuzzValue] => ["cookie", v]),
  ...[
    raw("negative", "-1"),
    raw("beyond int8", "9223372036854775808"),
    raw("20 digits", "99999999999999999999"),
    raw("exponent", "1e3"),
    raw("word", "abc"),
  ].map((v): [string, FuzzValue] => ["last-event-id", v]),
  ...[
    raw("text", "text/plain"),
    raw("form", "application/x-www-form-urlencoded"),
    raw("multipart", "multipart/form-data; boundary=x"),
    raw("UTF-16 JSON", "application/json; charset=utf-16"),
    raw("unknown charset", "application/json; charset=bogus"),
    raw("not a type", ";;;"),
  ].map((v): [string, FuzzValue] => ["content-type", v]),
  ...[raw("null", "null"), raw("foreign", "https://evil.example"), raw("not a URL", "::")].map(
    (v): [string, FuzzValue] => ["origin", v],
  ),
  ...[raw("event stream", "text/event-stream"), raw("bad q", "*/*;q=abc")].map((v): [string, FuzzValue] => [
    "accept",
    v,
  ]),
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
      const params = (op.parameters ?? []).filter(
        (p): p is Param => p.in === "path" || p.in === "query" || p.in === "header",
      );
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

// Structural validation: Ajv compiled from the TypeBox schemas, its errors turned into one readable issue per
// problem with a JSON path like `stages[1].widths[0]`.
import type { TSchema } from "@sinclair/typebox";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { ValidationIssue } from "./types";

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
const compiled = new Map<TSchema, ValidateFunction>();

/** `/stages/1/widths/0` -> `stages[1].widths[0]`. */
export function jsonPath(pointer: string): string {
  if (pointer === "") return "";
  let out = "";
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^(0|[1-9]\d*)$/.test(token)) out += `[${token}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(token)) out += out === "" ? token : `.${token}`;
    else out += `[${JSON.stringify(token)}]`;
  }
  return out;
}

const join = (pointer: string, key: string) => `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;

interface Issue {
  pointer: string;
  message: string;
}

const under = (pointer: string, parent: string) => pointer === parent || pointer.startsWith(`${parent}/`);

const describe = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "a list"
      : typeof value === "object"
        ? "an object"
        : JSON.stringify(value).length <= 40
          ? JSON.stringify(value)
          : `a ${typeof value}`;

const TYPE_NAMES: Record<string, string> = {
  integer: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  null: "null",
};

const quoteList = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(", ");

/** One issue for an Ajv error that is not a union. */
function plainIssue(e: ErrorObject): Issue {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { pointer: join(e.instancePath, String(p.missingProperty)), message: "is required" };
    case "additionalProperties": {
      const name = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      return {
        pointer: join(e.instancePath, name),
        message: `unknown field "${name}"${known.length ? ` (known fields: ${known.join(", ")})` : ""}`,
      };
    }
    case "type": {
      const types = String(p.type).split(",");
      const want = types.map((t) => TYPE_NAMES[t] ?? t).join(" or ");
      return { pointer: e.instancePath, message: `must be ${want}, not ${describe(e.data)}` };
    }
    case "const":
      return { pointer: e.instancePath, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case "enum":
      return { pointer: e.instancePath, message: `must be one of ${quoteList(p.allowedValues as unknown[])}` };
    case "minItems":
      return { pointer: e.instancePath, message: `must have at least ${p.limit} item${p.limit === 1 ? "" : "s"}` };
    case "maxItems":
      return { pointer: e.instancePath, message: `must have at most ${p.limit} item${p.limit === 1 ? "" : "s"}` };
    case "minLength":
      return { pointer: e.instancePath, message: p.limit === 1 ? "must not be empty" : `is shorter than ${p.limit}` };
    case "maxLength":
      return { pointer: e.instancePath, message: `must be at most ${p.limit} characters` };
    default:
      return { pointer: e.instancePath, message: e.message ?? `fails ${e.keyword}` };
  }
}

interface Leaf {
  schema: Record<string, unknown>;
  /** Schema path of the leaf, e.g. `#/.../anyOf/1/anyOf/0`. */
  path: string;
}

/** The non-union alternatives of a union, nested unions flattened. */
function leaves(schema: Record<string, unknown>, path: string): Leaf[] {
  const anyOf = schema.anyOf as Record<string, unknown>[] | undefined;
  if (!anyOf) return [{ schema, path }];
  return anyOf.flatMap((s, i) => leaves(s, `${path}/anyOf/${i}`));
}

const constOf = (schema: Record<string, unknown>) => ("const" in schema ? [schema.const] : []);
const propertiesOf = (schema: Record<string, unknown>) =>
  (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {};

/** The property whose constant picks an object alternative (`type`, `kind`), if the alternatives have one. */
function discriminatorOf(objects: Leaf[]): string | undefined {
  if (objects.length < 2) return undefined;
  const first = Object.entries(propertiesOf(objects[0]!.schema)).filter(([, s]) => "const" in s);
  return first
    .map(([name]) => name)
    .find((name) => objects.every((o) => "const" in (propertiesOf(o.schema)[name] ?? {})));
}

/**
 * The issues of one failed union: the alternative the value was meant to be is picked from the value itself (its
 * type, then its `type`/`kind`, then its fields), and only that alternative's errors are reported; when none fits,
 * one issue says what would.
 */
function unionIssues(union: ErrorObject, inner: ErrorObject[]): Issue[] {
  const schemaPath = union.schemaPath.replace(/\/anyOf$/, "");
  const all = leaves(union.parentSchema as Record<string, unknown>, schemaPath);
  const data = union.data;
  const at = union.instancePath;
  const consts = all.flatMap((l) => constOf(l.schema));
  const objects = all.filter((l) => l.schema.type === "object");
  const arrays = all.filter((l) => l.schema.type === "array");
  const expected = [
    ...(consts.length ? [`one of ${quoteList(consts)}`] : []),
    ...(objects.length ? ["an object"] : []),
    ...(arrays.length ? ["a list"] : []),
  ].join(" or ");

  let chosen: Leaf | undefined;
  if (Array.isArray(data)) chosen = arrays[0];
  else if (data !== null && typeof data === "object") {
    const record = data as Record<string, unknown>;
    const key = discriminatorOf(objects);
    if (key !== undefined) {
      chosen = objects.find((o) => propertiesOf(o.schema)[key]!.const === record[key]);
      if (!chosen) {
        const names = objects.map((o) => propertiesOf(o.schema)[key]!.const);
        const message =
          record[key] === undefined ? `is required: one of ${quoteList(names)}` : `must be one of ${quoteList(names)}`;
        return [{ pointer: join(at, key), message }];
      }
    } else {
      // Without a discriminator, the alternative sharing the most field names with the value.
      const score = (o: Leaf) => Object.keys(propertiesOf(o.schema)).filter((k) => k in record).length;
      chosen = objects.reduce<Leaf | undefined>((best, o) => (!best || score(o) > score(best) ? o : best), undefined);
    }
  }
  const mismatch = { pointer: at, message: `must be ${expected}, not ${describe(data)}` };
  if (!chosen) return [mismatch];
  const mine = inner.filter((e) => e.schemaPath === chosen.path || e.schemaPath.startsWith(`${chosen.path}/`));
  return mine.length ? issuesOf(mine) : [mismatch];
}

/** Readable issues from Ajv's errors: unions resolved to the alternative meant, duplicates dropped. */
function issuesOf(errors: ErrorObject[]): Issue[] {
  const unions = errors.filter((e) => e.keyword === "anyOf");
  const inside = (e: ErrorObject, u: ErrorObject) =>
    e !== u && e.schemaPath.startsWith(`${u.schemaPath}/`) && under(e.instancePath, u.instancePath);
  const outer = unions.filter((u) => !unions.some((o) => inside(u, o)));
  const taken = new Set<ErrorObject>(outer);
  const out: Issue[] = [];
  for (const u of outer) {
    const inner = errors.filter((e) => inside(e, u));
    for (const e of inner) taken.add(e);
    out.push(...unionIssues(u, inner));
  }
  for (const e of errors) if (!taken.has(e)) out.push(plainIssue(e));
  return out;
}

/** Structural issues of `value` against `schema` (empty when it conforms). */
export function structuralIssues(schema: TSchema, value: unknown, prefix = ""): ValidationIssue[] {
  let validate = compiled.get(schema);
  if (!validate) {
    // A schema with an $id is registered whole when a schema holding it is compiled (VitSpace inside NasSearch), and
    // Ajv refuses to compile it again under the same $id: take the registered one.
    const id = (schema as { $id?: string }).$id;
    validate = (id !== undefined ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const { pointer, message } of issuesOf(validate.errors ?? [])) {
    const path = prefix + jsonPath(pointer);
    const key = `${path}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path, message });
  }
  return issues;
}

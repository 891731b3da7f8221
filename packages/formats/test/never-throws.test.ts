// Validation returns a result for whatever it is given: arbitrary JSON, and valid documents randomly broken.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countArch, INTERNAL_FAILURE, validateArch, validateDocument, validateJob, validateSpace } from "../src";
import { fixture } from "./fixtures";

type Json = unknown;
type Key = string | number;

function pathsOf(value: Json, prefix: Key[] = []): Key[][] {
  if (value === null || typeof value !== "object") return [prefix];
  const entries: [Key, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value as Record<string, Json>);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

/** Replaces (or deletes) the value at `path`; the root is replaced by returning the new value. */
function mutate(doc: Json, path: Key[], replacement: Json, remove: boolean): Json {
  if (path.length === 0) return replacement;
  let parent = doc as Record<Key, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<Key, Json>;
  const last = path[path.length - 1]!;
  if (remove && Array.isArray(parent)) parent.splice(last as number, 1);
  else if (remove) delete parent[last];
  else parent[last] = replacement;
  return doc;
}

function expectAResult(doc: Json) {
  for (const validate of [validateArch, validateSpace, validateJob]) {
    const result = validate(doc);
    if (!result.ok) {
      expect(result.errors.length).toBeGreaterThan(0);
      for (const e of result.errors) expect(e.message).not.toContain(INTERNAL_FAILURE);
    }
  }
  const { result } = validateDocument(doc);
  if (!result.ok) for (const e of result.errors) expect(e.message).not.toContain(INTERNAL_FAILURE);
  return result;
}

const documents = ["deit-tiny", "vit-res-tiny", "tiny-space", "tiny-job"];
const mutation = fc.record({
  pick: fc.nat(),
  replacement: fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.integer({ min: -3, max: 300 }),
    fc.constantFrom(..."softmax performer linformer residual none rope learned batch".split(" ")),
  ),
  remove: fc.boolean(),
});

describe("validation never throws", () => {
  it("on arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        expectAResult(doc);
      }),
      { numRuns: 300 },
    );
  });

  it("on arbitrary objects claiming a format", () => {
    const format = fc.constantFrom("vit-arch/v1", "vit-space/v1", "nas-search/v1");
    fc.assert(
      fc.property(format, fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (f, rest) => {
        expectAResult({ ...rest, format: f });
      }),
      { numRuns: 200 },
    );
  });

  it("on valid documents with random fields replaced or removed", () => {
    fc.assert(
      fc.property(fc.constantFrom(...documents), fc.array(mutation, { minLength: 1, maxLength: 3 }), (name, edits) => {
        let doc: Json = fixture(name);
        for (const { pick, replacement, remove } of edits) {
          const paths = pathsOf(doc);
          doc = mutate(doc, paths[pick % paths.length]!, replacement, remove);
        }
        const result = expectAResult(doc);
        if (result.ok && "stages" in result.value && "stem" in result.value && result.value.format === "vit-arch/v1") {
          const { macs, params } = countArch(result.value);
          expect(Number.isSafeInteger(macs) && macs > 0).toBe(true);
          expect(Number.isSafeInteger(params) && params > 0).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});

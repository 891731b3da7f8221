// Property: whatever a client sends (bodies, query strings, ids, headers), the API answers with a 4xx/2xx JSON
// error or result, never a 5xx, and keeps serving.
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";
import {
  type BodyField,
  bodyFields,
  bodyWith,
  boundaryValues,
  type FuzzValue,
  HOSTILE,
  type Operation,
  operations,
  outOfBounds,
  urlFor,
  valuesFor,
} from "./openapi-requests";

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;

beforeAll(async () => {
  h = await startHarness();
  ({ team, searchId } = await h.searchWithCandidates("fuzz"));
  // Finished, so its event stream ends at once and cancel/resume answer 409 without changing it.
  await h.db.searches.markRunning(searchId, "cpu");
  await h.db.searches.markSucceeded(searchId);
});
afterAll(async () => {
  await h?.close();
});

// Mutations of a valid job: a random path replaced by a random JSON value.
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const mutatedJob = fc
  .tuple(
    fc.array(
      fc.constantFrom(
        "space",
        "stages",
        "0",
        "widths",
        "dataset",
        "search",
        "supernet",
        "kind",
        "format",
        "seed",
        "name",
        "input",
        "stem",
      ),
      { minLength: 1, maxLength: 4 },
    ),
    jsonValue,
  )
  .map(([path, value]) => {
    const job = tinyJob() as Record<string, unknown>;
    let node: Record<string, unknown> = job;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== "object" || next === null) break;
      node = next as Record<string, unknown>;
    }
    node[path.at(-1)!] = value;
    return job;
  });

const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom("", "-1", "1e309", "NaN", "true", "%00", "accuracy", "-macs", "'; DROP TABLE candidates; --"),
);
const queryString = fc
  .dictionary(
    fc.constantFrom(
      "limit",
      "cursor",
      "status",
      "maxMacs",
      "minAccuracy",
      "maxParams",
      "sort",
      "arch",
      "maxPoints",
      "x",
    ),
    queryValue,
    { maxKeys: 4 },
  )
  .map((q) => new URLSearchParams(q).toString());

const path = fc.constantFrom(
  "/v1/searches",
  `/v1/searches/SEARCH`,
  `/v1/searches/SEARCH/candidates`,
  `/v1/searches/SEARCH/scatter`,
  `/v1/searches/SEARCH/metrics`,
  `/v1/searches/SEARCH/fronts`,
  `/v1/searches/SEARCH/pareto`,
  `/v1/searches/SEARCH/architectures/a1`,
);
const id = fc.oneof(fc.constant("SELF"), fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }));

describe("fuzzing", () => {
  it("never answers 5xx to a submitted body", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedJob, jsonValue), async (body) => {
        const res = await h.app.inject({
          method: "POST",
          url: "/v1/searches",
          headers: { ...team.auth, "content-type": "application/json" },
          payload: JSON.stringify(body),
        });
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode === 400)
          expect(res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      }),
      { numRuns: 150 },
    );
  });

  it("never answers 5xx to a query string or id", async () => {
    await fc.assert(
      fc.asyncProperty(path, id, queryString, async (route, rawId, query) => {
        const idPart = rawId === "SELF" ? searchId : encodeURIComponent(rawId);
        const url = `${route.replace("SEARCH", idPart)}${query ? `?${query}` : ""}`;
        const res = await h.app.inject({ method: "GET", url, headers: team.auth });
        expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
        expect(() => res.json()).not.toThrow();
      }),
      { numRuns: 250 },
    );
    expect((await h.app.inject({ url: "/healthz" })).statusCode).toBe(200);
  });
});

describe("requests derived from /openapi.json", () => {
  let ops: Operation[];
  let fields: Map<Operation, BodyField[]>;
  const examples = (): Record<string, unknown> => ({
    "/v1/searches/": tinyJob("fuzz"),
    "/v1/session": { apiKey: team.key },
  });
  const pathValues = () => ({ id: searchId, archId: "a1" });

  beforeAll(async () => {
    const doc = (await h.app.inject("/openapi.json")).json();
    ops = operations(doc);
    fields = new Map(ops.map((op) => [op, op.body ? bodyFields(doc, op.body) : []]));
    // The document must describe what is fuzzed, or the sweep below proves nothing.
    expect(ops.filter((op) => op.params.some((p) => p.name === "maxMacs"))).toHaveLength(1);
    expect([...fields.values()].flat().map((f) => f.path.join("."))).toContain("dataset.path");
  });

  const send = (op: Operation, url: string, body?: string) =>
    h.app.inject({
      method: op.method as "GET",
      url,
      headers: {
        ...team.auth,
        "x-requested-with": "fuzz",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { payload: body } : {}),
    });
  const validBody = (op: Operation) => (op.body ? JSON.stringify(examples()[op.path] ?? {}) : undefined);

  function check(res: LightMyRequestResponse, what: string, must400: boolean) {
    expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(500);
    if (must400) expect(res.statusCode, `${what} must be refused: ${res.body}`).toBe(400);
    if (res.statusCode >= 400) {
      expect(res.json(), what).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      expect(res.json(), what).toHaveProperty("details");
    }
  }

  /**
   * Unstorable strings are refused everywhere, and numbers a numeric schema's bounds exclude. A body's 1e400 (JSON
   * reads Infinity) too, except in a string field, where Ajv's coercion stores the text "Infinity".
   */
  const mustRefuse = (schema: Record<string, unknown>, v: FuzzValue, inBody: boolean) =>
    !!v.unstorable ||
    outOfBounds(schema, v.num) ||
    (inBody && schema.type !== "string" && v.num !== undefined && !Number.isFinite(v.num));

  it("answers every path and query parameter's boundary and hostile values without a 5xx", async () => {
    let sent = 0;
    for (const op of ops) {
      for (const param of op.params) {
        for (const v of [...HOSTILE, ...boundaryValues(param.schema)]) {
          const url =
            param.in === "path"
              ? urlFor(op, { ...pathValues(), [param.name]: v.url })
              : urlFor(op, pathValues(), [[param.name, v.url]]);
          check(await send(op, url, validBody(op)), `${op.method} ${url}`, mustRefuse(param.schema, v, false));
          sent++;
        }
      }
    }
    expect(sent).toBeGreaterThan(300);
  });

  it("answers every body field's boundary and hostile values without a 5xx", async () => {
    let sent = 0;
    for (const op of ops) {
      for (const field of fields.get(op) ?? []) {
        for (const v of valuesFor(field.schema)) {
          const body = bodyWith(examples()[op.path] ?? {}, field, v);
          const what = `${op.method} ${op.path} ${field.path.join(".")}=${v.label}`;
          check(await send(op, urlFor(op, pathValues()), body), what, mustRefuse(field.schema, v, true));
          sent++;
        }
      }
    }
    expect(sent).toBeGreaterThan(500);
  });

  it("never answers 5xx to random combinations of them", async () => {
    const value = (schema: Record<string, unknown>) => fc.constantFrom(...HOSTILE, ...boundaryValues(schema));
    const request = fc.integer({ min: 0, max: 10_000 }).chain((i) => {
      const op = ops[i % ops.length]!;
      const params = fc.tuple(...op.params.map((p) => fc.option(value(p.schema), { nil: undefined })));
      const opFields = fields.get(op) ?? [];
      const field = opFields.length
        ? fc.constantFrom(...opFields).chain((f) => fc.tuple(fc.constant(f), value(f.schema)))
        : fc.constant(undefined);
      return fc.tuple(fc.constant(op), params, field);
    });
    await fc.assert(
      fc.asyncProperty(request, async ([op, values, field]) => {
        const path: Record<string, string> = pathValues();
        const query: [string, string][] = [];
        op.params.forEach((p, i) => {
          const v = values[i];
          if (v === undefined) return;
          if (p.in === "path") path[p.name] = v.url;
          else query.push([p.name, v.url]);
        });
        const url = urlFor(op, path, query);
        const body = field ? bodyWith(examples()[op.path] ?? {}, field[0], field[1]) : validBody(op);
        check(await send(op, url, body), `${op.method} ${url} ${body ?? ""}`.slice(0, 2000), false);
      }),
      { numRuns: 300 },
    );
    expect((await h.app.inject({ url: "/healthz" })).statusCode).toBe(200);
  });
});

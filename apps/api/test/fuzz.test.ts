// Property: whatever a client sends (bodies, query strings, ids, headers), the API answers with a 4xx/2xx JSON
// error or result, never a 5xx, and keeps serving. Every request of the file goes through `request`, which counts
// them: the file sends at least MIN_REQUESTS, across every route and parameter of /openapi.json.
import fc from "fast-check";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";
import {
  type BodyField,
  bodyFields,
  bodyWith,
  boundaryValues,
  type FuzzValue,
  HOSTILE,
  HOSTILE_HEADERS,
  type Operation,
  operations,
  outOfBounds,
  urlFor,
  valuesFor,
} from "./openapi-requests";

const MIN_REQUESTS = 5000;
/** How long an event stream is read before the client hangs up (a search list's stream ends only when idle). */
const STREAM_MS = 50;

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;
/** Another team's finished search: every route must answer it 404 (or 400 for a malformed request), never 200. */
let foreignId: string;
let sent = 0;

beforeAll(async () => {
  // Keys are verified once a minute, not per request: the database's time goes to the requests themselves.
  h = await startHarness({ authCacheMs: 60_000 });
  ({ team, searchId } = await h.searchWithCandidates("fuzz"));
  ({ searchId: foreignId } = await h.searchWithCandidates("fuzz-foreign"));
  await h.db.finalTrainings.replace(searchId, [
    { id: "a2", testAccuracy: 0.7, valAccuracy: 0.71, epochs: 1, mode: "finetune" },
  ]);
  // Finished, so its event stream ends at once and cancel/resume answer 409 without changing it.
  for (const id of [searchId, foreignId]) {
    await h.db.searches.markRunning(id, "cpu");
    await h.db.searches.markSucceeded(id);
  }
});
afterAll(async () => {
  await h?.close();
});

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json(): unknown;
}

/**
 * Sends one request and reads its answer; an event stream is read for STREAM_MS, then the client hangs up (the
 * server's loop sees the request close and stops).
 */
async function request(options: InjectOptions): Promise<Answer> {
  sent++;
  const hangUp = new AbortController();
  const res = await h.app.inject({ ...options, payloadAsStream: true, signal: hangUp.signal });
  const streaming = String(res.headers["content-type"] ?? "").startsWith("text/event-stream");
  const timer = streaming ? setTimeout(() => hangUp.abort(), STREAM_MS) : undefined;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res.stream()) chunks.push(chunk as Buffer);
  } catch (err) {
    if (!hangUp.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  const body = Buffer.concat(chunks).toString("utf8");
  return { statusCode: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body) };
}

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
        const res = await request({
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
        const res = await request({ method: "GET", url, headers: team.auth });
        expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
        expect(() => res.json()).not.toThrow();
      }),
      { numRuns: 250 },
    );
    expect((await request({ url: "/healthz" })).statusCode).toBe(200);
  });
});

describe("requests derived from /openapi.json", () => {
  let ops: Operation[];
  let fields: Map<Operation, BodyField[]>;
  const examples = (): Record<string, unknown> => ({
    "/v1/searches/": tinyJob("fuzz"),
    "/v1/session": { apiKey: team.key },
  });
  // a2 is trained (the final phase's figures and download), a1 is not.
  const pathValues = (id = searchId) => ({ id, archId: "a2" });

  beforeAll(async () => {
    const doc = (await request({ url: "/openapi.json" })).json() as Parameters<typeof operations>[0];
    ops = operations(doc);
    fields = new Map(ops.map((op) => [op, op.body ? bodyFields(doc, op.body) : []]));
    // The document must describe what is fuzzed, or the sweep below proves nothing.
    expect(ops.filter((op) => op.params.some((p) => p.name === "maxMacs"))).toHaveLength(1);
    expect(ops.filter((op) => op.params.some((p) => p.name === "weights"))).toHaveLength(1);
    expect(ops.filter((op) => op.params.some((p) => p.in === "header"))).not.toHaveLength(0);
    expect([...fields.values()].flat().map((f) => f.path.join("."))).toContain("dataset.path");
  });

  const send = (op: Operation, url: string, body?: string, headers: Record<string, string> = {}) =>
    request({
      method: op.method as "GET",
      url,
      headers: {
        ...team.auth,
        "x-requested-with": "fuzz",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: body } : {}),
    });
  const validBody = (op: Operation) => (op.body ? JSON.stringify(examples()[op.path] ?? {}) : undefined);
  const ofSearch = (op: Operation) => op.path.includes("{id}");

  function check(res: Answer, what: string, must400: boolean) {
    expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(500);
    if (must400) expect(res.statusCode, `${what} must be refused: ${res.body}`).toBe(400);
    if (res.statusCode >= 400) {
      expect(res.json(), what).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      expect(res.json(), what).toHaveProperty("details");
    }
  }

  /**
   * Another team's search: refused as malformed (400, 414, 415), unauthenticated or not found, never answered as known (200, or 409
   * for a cancel or resume of a finished search).
   */
  function checkForeign(res: Answer, what: string) {
    check(res, what, false);
    expect([400, 401, 404, 414, 415], `${what}: ${res.body}`).toContain(res.statusCode);
  }

  /**
   * Unstorable strings are refused everywhere, and numbers a numeric schema's bounds exclude. A body's 1e400 (JSON
   * reads Infinity) too, except in a string field, where Ajv's coercion stores the text "Infinity".
   */
  const mustRefuse = (schema: Record<string, unknown>, v: FuzzValue, inBody: boolean) =>
    !!v.unstorable ||
    outOfBounds(schema, v.num) ||
    (inBody && schema.type !== "string" && v.num !== undefined && !Number.isFinite(v.num));

  it("answers every path, query and header parameter's boundary and hostile values without a 5xx", async () => {
    const before = sent;
    for (const op of ops) {
      for (const param of op.params) {
        for (const v of [...HOSTILE, ...boundaryValues(param.schema)]) {
          // A query or header value is also sent for another team's search, which must stay invisible.
          for (const id of param.name !== "id" && ofSearch(op) ? [searchId, foreignId] : [searchId]) {
            let url = urlFor(op, pathValues(id));
            let headers: Record<string, string> = {};
            if (param.in === "path") url = urlFor(op, { ...pathValues(id), [param.name]: v.url });
            else if (param.in === "query") url = urlFor(op, pathValues(id), [[param.name, v.url]]);
            else headers = { [param.name]: v.header };
            const what = `${op.method} ${url} ${param.in} ${param.name}=${v.label}`;
            const res = await send(op, url, validBody(op), headers);
            if (id === foreignId) checkForeign(res, what);
            else check(res, what, param.in !== "header" && mustRefuse(param.schema, v, false));
          }
        }
      }
    }
    expect(sent - before).toBeGreaterThan(1000);
  });

  it("answers hostile credentials, cookies, stream positions and content types on every route without a 5xx", async () => {
    const before = sent;
    for (const op of ops) {
      for (const [name, v] of HOSTILE_HEADERS) {
        for (const id of ofSearch(op) ? [searchId, foreignId] : [searchId]) {
          const url = urlFor(op, pathValues(id));
          const headers = { [name]: v.header };
          // Without the key, a session cookie alone is what authenticates.
          if (name === "cookie") Object.assign(headers, { authorization: "" });
          const what = `${op.method} ${url} ${name}: ${v.label}`;
          const res = await send(op, url, validBody(op), headers);
          if (id === foreignId) checkForeign(res, what);
          else check(res, what, false);
        }
      }
    }
    expect(sent - before).toBeGreaterThan(1000);
  });

  it("answers every body field's boundary and hostile values without a 5xx", async () => {
    const before = sent;
    for (const op of ops) {
      for (const field of fields.get(op) ?? []) {
        for (const v of valuesFor(field.schema)) {
          const body = bodyWith(examples()[op.path] ?? {}, field, v);
          const what = `${op.method} ${op.path} ${field.path.join(".")}=${v.label}`;
          check(await send(op, urlFor(op, pathValues()), body), what, mustRefuse(field.schema, v, true));
        }
      }
    }
    expect(sent - before).toBeGreaterThan(500);
  });

  it("never answers 5xx to random combinations of them", async () => {
    const value = (schema: Record<string, unknown>) => fc.constantFrom(...HOSTILE, ...boundaryValues(schema));
    const arbitrary = fc.integer({ min: 0, max: 10_000 }).chain((i) => {
      const op = ops[i % ops.length]!;
      const params = fc.tuple(...op.params.map((p) => fc.option(value(p.schema), { nil: undefined })));
      const opFields = fields.get(op) ?? [];
      const field = opFields.length
        ? fc.constantFrom(...opFields).chain((f) => fc.tuple(fc.constant(f), value(f.schema)))
        : fc.constant(undefined);
      const header = fc.option(fc.constantFrom(...HOSTILE_HEADERS), { nil: undefined });
      return fc.tuple(fc.constant(op), params, field, header, fc.boolean());
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([op, values, field, header, foreign]) => {
        const path: Record<string, string> = pathValues(foreign ? foreignId : searchId);
        const query: [string, string][] = [];
        const headers: Record<string, string> = {};
        op.params.forEach((p, i) => {
          const v = values[i];
          if (v === undefined) return;
          if (p.in === "path") path[p.name] = v.url;
          else if (p.in === "query") query.push([p.name, v.url]);
          else headers[p.name] = v.header;
        });
        if (header) headers[header[0]] = header[1].header;
        const url = urlFor(op, path, query);
        const body = field ? bodyWith(examples()[op.path] ?? {}, field[0], field[1]) : validBody(op);
        const what = `${op.method} ${url} ${JSON.stringify(headers)} ${body ?? ""}`.slice(0, 2000);
        const res = await send(op, url, body, headers);
        if (foreign && ofSearch(op) && path.id === foreignId) checkForeign(res, what);
        else check(res, what, false);
      }),
      { numRuns: 1200 },
    );
    expect((await request({ url: "/healthz" })).statusCode).toBe(200);
  });
});

describe("the whole file", () => {
  it(`sent at least ${MIN_REQUESTS} requests`, () => {
    expect(sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
  });
});

// Property: whatever a client sends (bodies, query strings, ids, headers), the API answers with a 4xx/2xx JSON
// error or result, never a 5xx, and keeps serving.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;

beforeAll(async () => {
  h = await startHarness();
  team = await h.team("fuzz");
  searchId = (
    await h.app.inject({ method: "POST", url: "/v1/searches", headers: team.auth, payload: tinyJob() })
  ).json().id;
  await h.db.candidates.upsert(searchId, [
    { id: "a1", arch: { format: "vit-arch/v1" }, accuracy: 0.5, macs: 1000, params: 10, generation: 0 },
    { id: "a2", arch: { format: "vit-arch/v1" }, accuracy: 0.6, macs: 2000, params: 20, generation: 0 },
  ]);
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

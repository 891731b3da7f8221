// Inputs Postgres cannot store or compare (numbers beyond 64 bits or infinite, NUL characters, lone surrogates) are
// answered 400 naming the field, before any query runs, instead of failing there with a 500.
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let searchId: string;

beforeAll(async () => {
  h = await startHarness();
  ({ team, searchId } = await h.searchWithCandidates("bounds"));
});
afterAll(async () => {
  await h?.close();
});

const get = (url: string) => h.app.inject({ method: "GET", url, headers: team.auth });
const post = (url: string, payload: unknown) =>
  h.app.inject({
    method: "POST",
    url,
    headers: { ...team.auth, "content-type": "application/json", "x-requested-with": "test" },
    payload: JSON.stringify(payload),
  });

/** A 400 in the API's error shape whose details name `path`. */
function expectFieldError(res: LightMyRequestResponse, path: string) {
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json();
  expect(body).toMatchObject({ error: "validation_error", message: expect.stringContaining(path) });
  expect(body.details.map((d: { path: string }) => d.path)).toContain(path);
}

describe("numbers outside what Postgres holds", () => {
  const cases: [string, string][] = [
    ["maxMacs", "1e20"],
    ["maxMacs", "9223372036854775807"],
    ["maxMacs", "1e400"],
    ["maxMacs", "Infinity"],
    ["maxParams", "Infinity"],
    ["maxParams", "1e19"],
    ["minAccuracy", "Infinity"],
    ["minAccuracy", "-1e400"],
    ["limit", "1e400"],
  ];
  it.each(cases)("answers 400 for candidates?%s=%s", async (field, value) => {
    expectFieldError(await get(`/v1/searches/${searchId}/candidates?${field}=${value}`), `querystring.${field}`);
  });

  it.each([
    ["scatter", "maxPoints"],
    ["metrics", "maxPoints"],
  ])("answers 400 for %s?%s=Infinity", async (route, field) => {
    expectFieldError(await get(`/v1/searches/${searchId}/${route}?${field}=Infinity`), `querystring.${field}`);
  });

  it("answers 400 for an infinite page size of the list", async () => {
    expectFieldError(await get("/v1/searches?limit=Infinity"), "querystring.limit");
  });

  it("answers 400 for a job seed beyond the int4 column that stores it, and accepts the largest it holds", async () => {
    expectFieldError(await post("/v1/searches", { ...tinyJob(), seed: 2 ** 32 - 1 }), "seed");
    expect((await post("/v1/searches", { ...tinyJob(), seed: 2 ** 31 - 1 })).statusCode).toBe(201);
  });

  it("still accepts the largest bounds", async () => {
    const res = await get(`/v1/searches/${searchId}/candidates?maxMacs=${Number.MAX_SAFE_INTEGER}&maxParams=1e15`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toHaveLength(2);
  });
});

describe("NUL characters and lone surrogates", () => {
  it.each([
    ["name", { name: "a\u0000b" }, "body.name"],
    ["name", { name: "\ud800x" }, "body.name"],
    ["dataset path", { dataset: { kind: "cifar10", path: "/data/\u0000" } }, "body.dataset.path"],
    ["an object key", { name: "ok", "x\u0000": 1 }, "body.x\u0000"],
  ])("answers 400 for a job whose %s is not storable", async (_what, patch, path) => {
    expectFieldError(await post("/v1/searches", { ...tinyJob(), ...patch }), path);
  });

  it("answers 400 for a sign-in key with NUL", async () => {
    expectFieldError(await post("/v1/session", { apiKey: "vn_\u0000" }), "body.apiKey");
  });

  it.each([
    ["architectures/a1%00.json", "params.archId"],
    ["architectures/a1%00/download", "params.archId"],
  ])("answers 400 for GET .../%s", async (rest, path) => {
    expectFieldError(await get(`/v1/searches/${searchId}/${rest}`), path);
  });

  it("answers 400 in the API's shape for a URL escaping a lone surrogate (it matches no route)", async () => {
    const res = await get(`/v1/searches/${searchId}/architectures/a1%ED%A0%80`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "bad_request", details: [{ path: "url" }] });
  });

  it("answers 400 for a search id or query value with NUL", async () => {
    expectFieldError(await get(`/v1/searches/${searchId}%00`), "params.id");
    expectFieldError(await post(`/v1/searches/${searchId}%00/cancel`, {}), "params.id");
    expectFieldError(await get(`/v1/searches/${searchId}/candidates?cursor=%00`), "querystring.cursor");
  });

  it("answers 400 for a cursor whose contents carry NUL", async () => {
    const cursor = Buffer.from(JSON.stringify([0.5, "a\u0000"])).toString("base64url");
    const res = await get(`/v1/searches/${searchId}/candidates?sort=-accuracy&cursor=${cursor}`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ error: "invalid_cursor", details: [{ path: "querystring.cursor" }] });
  });
});

// createApiClient against a real HTTP server: the paths it requests, the headers it sends (the bearer key, the
// caller's own), the custom fetch it goes through, and the answers and refusals it hands back.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../src";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ method: request.method!, url: request.url!, headers: request.headers });
    response.setHeader("content-type", "application/json");
    if (request.url === "/v1/datasets/") {
      response.end(JSON.stringify({ datasets: [] }));
    } else {
      response.statusCode = 404;
      response.end(JSON.stringify({ error: "not_found", message: "dataset x not found", details: [] }));
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe("createApiClient", () => {
  it("sends the API key as a bearer token on every request, beside the caller's headers", async () => {
    const api = createApiClient(`${base}/`, { apiKey: "vn_key", headers: { "x-requested-with": "fetch" } });
    const { data, response } = await api.GET("/v1/datasets/");
    expect([response.status, data]).toEqual([200, { datasets: [] }]);
    const refused = await api.DELETE("/v1/datasets/{id}", { params: { path: { id: "a b" } } });
    expect([refused.response.status, refused.error]).toEqual([
      404,
      { error: "not_found", message: "dataset x not found", details: [] },
    ]);
    expect(
      seen.slice(-2).map((s) => [s.method, s.url, s.headers.authorization, s.headers["x-requested-with"]]),
    ).toEqual([
      ["GET", "/v1/datasets/", "Bearer vn_key", "fetch"],
      ["DELETE", "/v1/datasets/a%20b", "Bearer vn_key", "fetch"],
    ]);
  });

  it("sends no authorization without a key, and goes through the fetch it is given", async () => {
    const requested: string[] = [];
    const api = createApiClient(base, {
      fetch: (request) => {
        requested.push(request.url);
        return fetch(request);
      },
    });
    await api.GET("/v1/datasets/");
    expect(requested).toEqual([`${base}/v1/datasets/`]);
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
  });
});

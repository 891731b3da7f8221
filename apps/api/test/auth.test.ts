import { once } from "node:events";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { revokeApiKey } from "../src/key-revocations";
import { redisServices } from "../src/services";
import { type Harness, REDIS_URL, startHarness, tinyJob } from "./harness";

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;

beforeAll(async () => {
  h = await startHarness();
  team = await h.team("auth-team");
});
afterAll(async () => {
  await h?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: "GET", url, headers });

describe("API keys", () => {
  it("answers 401 without credentials, with a malformed header and with an unknown or revoked key", async () => {
    const other = await h.team();
    const cases: Record<string, string>[] = [
      {},
      { authorization: "Basic abc" },
      { authorization: "Bearer vnk_AAAAAAAA_notarealkeynotarealkeynotarealkey" },
      { authorization: `Bearer ${other.key}x` },
    ];
    for (const headers of cases) {
      const res = await get("/v1/searches", headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json()).toMatchObject({ error: "unauthorized", message: expect.any(String) });
    }
    expect((await get("/v1/me", other.auth)).statusCode).toBe(200);
    await h.db.apiKeys.revoke(other.key.slice(0, 12));
    expect((await get("/v1/me", other.auth)).statusCode).toBe(401);
  });

  it("limits each key separately (429 with the error format), and failed attempts per address", async () => {
    const app = await buildApp({
      db: h.db,
      dispatch: h.services.dispatch,
      artifacts: h.store,
      rateLimit: { max: 5, timeWindowMs: 60_000 },
    });
    try {
      const a = await h.team();
      const b = await h.team();
      const call = (headers: Record<string, string>, remoteAddress = "10.0.0.1") =>
        app.inject({ method: "GET", url: "/v1/searches", headers, remoteAddress });
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await call(a.auth)).statusCode);
      expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const limited = await call(a.auth);
      expect(limited.json()).toMatchObject({ error: "rate_limited" });
      expect(limited.headers["retry-after"]).toBeDefined();
      expect((await call(b.auth)).statusCode).toBe(200);

      const guesses: number[] = [];
      for (let i = 0; i < 7; i++)
        guesses.push((await call({ authorization: `Bearer ${a.key}x` }, "10.0.0.9")).statusCode);
      expect(guesses).toEqual([401, 401, 401, 401, 401, 429, 429]);
      // Health checks, documentation and the dashboard's files are never limited.
      for (const url of ["/healthz", "/openapi.json", "/"]) {
        for (let i = 0; i < 7; i++) {
          expect((await app.inject({ url, remoteAddress: "10.0.0.9" })).statusCode, url).not.toBe(429);
        }
      }
    } finally {
      await app.close();
    }
  });
});

describe("rate limits across API processes", () => {
  it("share one count per key through Redis", async () => {
    const redis = h.services.failFast;
    // Without an offline queue, commands sent before the connection is up would be skipped (let through).
    if (redis.status !== "ready") await once(redis, "ready");
    const limit = { max: 4, timeWindowMs: 60_000, redis, nameSpace: h.prefix };
    const apps = await Promise.all(
      [0, 1].map(() => buildApp({ db: h.db, dispatch: h.services.dispatch, artifacts: h.store, rateLimit: limit })),
    );
    try {
      const team = await h.team();
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        codes.push((await apps[i % 2]!.inject({ url: "/v1/searches", headers: team.auth })).statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});

describe("revoking a key", () => {
  it("is refused at once by every API process, though each had it cached", async () => {
    // Two processes: their own Redis connections, one database and key prefix, a cache that would outlive the test.
    const processes = [0, 1].map(() => redisServices({ redisUrl: REDIS_URL, prefix: h.prefix }));
    const apps = await Promise.all(
      processes.map((services) =>
        buildApp({
          db: h.db,
          dispatch: services.dispatch,
          artifacts: h.store,
          revocations: services.revocations,
          authCacheMs: 600_000,
          rateLimit: false,
        }),
      ),
    );
    const me = (app: FastifyInstance, auth: Record<string, string>) => app.inject({ url: "/v1/me", headers: auth });
    /** The status once the revocation has had time to arrive: polled for at most a second, not slept on. */
    const settled = async (app: FastifyInstance, auth: Record<string, string>) => {
      const until = Date.now() + 1000;
      let status = (await me(app, auth)).statusCode;
      while (status === 200 && Date.now() < until) {
        await new Promise((done) => setTimeout(done, 5));
        status = (await me(app, auth)).statusCode;
      }
      return status;
    };
    try {
      for (const by of ["prefix", "id"] as const) {
        const key = await h.team();
        const id = (await me(apps[0]!, key.auth)).json().key.id as string;
        expect((await me(apps[1]!, key.auth)).statusCode).toBe(200);
        expect(await revokeApiKey(h.db, processes[0]!.revocations, by === "id" ? id : key.key.slice(0, 12))).toBe(true);
        expect(await settled(apps[1]!, key.auth), by).toBe(401);
        expect(await settled(apps[0]!, key.auth), by).toBe(401);
      }
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await Promise.all(processes.map((services) => services.close()));
    }
  });
});

describe("dashboard sessions", () => {
  const cookieOf = (setCookie: string | string[] | undefined) => {
    const line = [setCookie ?? []].flat()[0] ?? "";
    return { line, pair: line.split(";")[0] ?? "" };
  };

  it("exchanges a key for an httpOnly SameSite=Strict cookie and guards cookie writes against CSRF", async () => {
    const crossSite = await h.app.inject({
      method: "POST",
      url: "/v1/session",
      headers: { origin: "https://evil.example" },
      payload: { apiKey: team.key },
    });
    expect(crossSite.statusCode).toBe(403);
    const wrong = await h.app.inject({
      method: "POST",
      url: "/v1/session",
      headers: { "x-requested-with": "fetch" },
      payload: { apiKey: "vnk_nope" },
    });
    expect(wrong.statusCode).toBe(401);

    const signIn = await h.app.inject({
      method: "POST",
      url: "/v1/session",
      headers: { "x-requested-with": "fetch" },
      payload: { apiKey: team.key },
    });
    expect(signIn.statusCode).toBe(200);
    const { line, pair } = cookieOf(signIn.headers["set-cookie"]);
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=Strict/i);
    expect(line).not.toContain(team.key);
    const cookie = { cookie: pair };

    const me = await get("/v1/me", cookie);
    expect(me.json()).toMatchObject({ team: { name: "auth-team" }, key: { name: "test key" } });

    const noHeader = await h.app.inject({ method: "POST", url: "/v1/searches", headers: cookie, payload: tinyJob() });
    expect(noHeader.statusCode).toBe(403);
    expect(noHeader.json().error).toBe("csrf");
    const otherOrigin = await h.app.inject({
      method: "POST",
      url: "/v1/searches",
      headers: { ...cookie, origin: "https://evil.example", host: "nas.example" },
      payload: tinyJob(),
    });
    expect(otherOrigin.statusCode).toBe(403);
    const sameOrigin = await h.app.inject({
      method: "POST",
      url: "/v1/searches",
      headers: { ...cookie, origin: "https://nas.example", host: "nas.example" },
      payload: tinyJob(),
    });
    expect(sameOrigin.statusCode).toBe(201);

    const signOut = await h.app.inject({
      method: "DELETE",
      url: "/v1/session",
      headers: { ...cookie, "x-requested-with": "fetch" },
    });
    expect(signOut.statusCode).toBe(204);
    expect((await get("/v1/me", cookie)).statusCode).toBe(401);
  });

  it("answers the session check with 200 signed in or not, and drops a stale cookie", async () => {
    const none = await get("/v1/session", {});
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({
      signedIn: false,
      me: null,
      reason: expect.stringMatching(/authentication required/),
    });
    expect(none.headers["set-cookie"]).toBeUndefined();

    const signIn = await h.app.inject({
      method: "POST",
      url: "/v1/session",
      headers: { "x-requested-with": "fetch" },
      payload: { apiKey: team.key },
    });
    const cookie = { cookie: cookieOf(signIn.headers["set-cookie"]).pair };
    const signedIn = await get("/v1/session", cookie);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json()).toMatchObject({ signedIn: true, me: { team: { name: "auth-team" } } });
    expect((await get("/v1/session", team.auth)).json()).toMatchObject({ signedIn: true });

    await h.app.inject({ method: "DELETE", url: "/v1/session", headers: { ...cookie, "x-requested-with": "fetch" } });
    const stale = await get("/v1/session", cookie);
    expect(stale.statusCode).toBe(200);
    expect(stale.json()).toMatchObject({ signedIn: false, me: null, reason: expect.stringMatching(/expired/) });
    expect(cookieOf(stale.headers["set-cookie"]).line).toMatch(/^vitnas_session=;/);
  });
});

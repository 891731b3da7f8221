import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { type Harness, startHarness, tinyJob } from "./harness";
import { getSearchQueue } from "./queue-probe";

let h: Harness;
let alice: Awaited<ReturnType<Harness["team"]>>;
let bob: Awaited<ReturnType<Harness["team"]>>;

beforeAll(async () => {
  h = await startHarness();
  alice = await h.team("alice");
  bob = await h.team("bob");
});
afterAll(async () => {
  await h?.close();
});

const submit = (auth: { authorization: string }, body: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: "POST", url: "/v1/searches", headers: { ...auth, ...headers }, payload: body as object });

describe("submitting searches", () => {
  it("creates a queued search (201) and puts it in the queue", async () => {
    const res = await submit(alice.auth, tinyJob("first"));
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({ id: expect.any(String), status: "queued" });
    const queue = getSearchQueue(h);
    expect((await queue.getJob(body.id))?.data).toEqual({ searchId: body.id });
    await queue.close();
    const search = await h.app.inject({ method: "GET", url: `/v1/searches/${body.id}`, headers: alice.auth });
    expect(search.statusCode).toBe(200);
    expect(search.json()).toMatchObject({
      id: body.id,
      name: "first",
      status: "queued",
      submitter: { name: "test key", team: "alice" },
      job: { format: "nas-search/v1", supernet: { epochs: 1, learningRate: expect.any(Number) } },
    });
  });

  it("answers 400 naming the field path of an invalid job", async () => {
    const job = tinyJob();
    (job.search as Record<string, unknown>).population = -3;
    const res = await submit(alice.auth, job);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toBe("validation_error");
    expect(body.details.map((d: { path: string }) => d.path)).toContain("search.population");
    expect(body.message).toContain("search.population");
  });

  it("answers 400 for a body that is not JSON", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/v1/searches",
      headers: { ...alice.auth, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });

  it("honours Idempotency-Key: the same search again, a conflict for another body", async () => {
    const first = await submit(alice.auth, tinyJob("idem"), { "idempotency-key": "abc-1" });
    const again = await submit(alice.auth, tinyJob("idem"), { "idempotency-key": "abc-1" });
    const other = await submit(alice.auth, tinyJob("other"), { "idempotency-key": "abc-1" });
    const bobs = await submit(bob.auth, tinyJob("idem"), { "idempotency-key": "abc-1" });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    expect(other.statusCode).toBe(409);
    expect(bobs.statusCode).toBe(201);
    expect(bobs.json().id).not.toBe(first.json().id);
  });
});

describe("team isolation", () => {
  it("hides another team's searches (404) everywhere", async () => {
    const { id } = (await submit(alice.auth, tinyJob("private"))).json();
    for (const path of ["", "/pareto", "/candidates", "/scatter", "/fronts", "/metrics", "/architectures/x"]) {
      const res = await h.app.inject({ method: "GET", url: `/v1/searches/${id}${path}`, headers: bob.auth });
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error).toBe("not_found");
    }
    const cancel = await h.app.inject({ method: "POST", url: `/v1/searches/${id}/cancel`, headers: bob.auth });
    expect(cancel.statusCode).toBe(404);
    const list = await h.app.inject({ method: "GET", url: "/v1/searches?limit=100", headers: bob.auth });
    expect(list.json().items.map((s: { id: string }) => s.id)).not.toContain(id);
  });
});

describe("listing", () => {
  it("pages newest first and filters by status", async () => {
    const team = await h.team();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(team.auth, tinyJob(`p${i}`))).json().id);
    await h.app.inject({ method: "POST", url: `/v1/searches/${ids[1]}/cancel`, headers: team.auth });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { statusCode: number; json(): { items: { id: string }[]; nextCursor: string | null } } =
        await h.app.inject({
          method: "GET",
          url: `/v1/searches?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
          headers: team.auth,
        });
      expect(res.statusCode).toBe(200);
      const page: { items: { id: string }[]; nextCursor: string | null } = res.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((s: { id: string }) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const cancelled = await h.app.inject({ method: "GET", url: "/v1/searches?status=cancelled", headers: team.auth });
    expect(cancelled.json().items.map((s: { id: string }) => s.id)).toEqual([ids[1]]);
    const bad = await h.app.inject({ method: "GET", url: "/v1/searches?status=done&limit=0", headers: team.auth });
    expect(bad.statusCode).toBe(400);
    const paths = bad.json().details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["querystring.status", "querystring.limit"]));
    const garbage = await h.app.inject({ method: "GET", url: "/v1/searches?cursor=zzz", headers: team.auth });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error).toBe("invalid_cursor");
  });
});

describe("cancel and resume", () => {
  it("moves a search through cancelled and back to queued, refusing the other transitions", async () => {
    const { id } = (await submit(alice.auth, tinyJob("lifecycle"))).json();
    const post = (action: string) =>
      h.app.inject({ method: "POST", url: `/v1/searches/${id}/${action}`, headers: alice.auth });
    expect((await post("resume")).statusCode).toBe(409);
    const cancelled = await post("cancel");
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toEqual({ id, status: "cancelled" });
    const queue = getSearchQueue(h);
    expect(await queue.getJob(id)).toBeUndefined();
    expect((await post("cancel")).statusCode).toBe(409);
    const resumed = await post("resume");
    expect(resumed.json()).toEqual({ id, status: "queued" });
    expect((await queue.getJob(id))?.data.searchId).toBe(id);
    await queue.close();
    const search = (await h.app.inject({ method: "GET", url: `/v1/searches/${id}`, headers: alice.auth })).json();
    expect(search).toMatchObject({ status: "queued", attempt: 1, finishedAt: null });
    const audit = await h.db.audit.list({ searchId: id });
    expect(audit.map((a) => a.action)).toEqual(["search.resumed", "search.cancelled", "search.submitted"]);
  });
});

describe("the search cache", () => {
  it("serves a team's search from memory yet shows this process's own changes at once", async () => {
    const app = await buildApp({ db: h.db, dispatch: h.services.dispatch, artifacts: h.store, searchCacheMs: 60_000 });
    try {
      const { id } = (
        await app.inject({ method: "POST", url: "/v1/searches", headers: alice.auth, payload: tinyJob() })
      ).json();
      const read = () => app.inject({ url: `/v1/searches/${id}`, headers: alice.auth });
      expect((await read()).json().status).toBe("queued");
      expect((await app.inject({ url: `/v1/searches/${id}`, headers: bob.auth })).statusCode).toBe(404);
      // A change made elsewhere (a worker) is not seen while the entry lives...
      await h.db.searches.markRunning(id, "cpu");
      expect((await read()).json().status).toBe("queued");
      // ...one made through this process is.
      await app.inject({ method: "POST", url: `/v1/searches/${id}/cancel`, headers: alice.auth });
      expect((await read()).json().status).toBe("cancelled");
    } finally {
      await app.close();
    }
  });
});

// The API's Postgres connections terminated under it (a database restart or failover, an operator's
// pg_terminate_backend): reads are retried once on a fresh connection, anything else answers 503 with Retry-After,
// and nothing answers 500.
import { adminDatabaseUrl } from "@vitnas/db";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
let admin: pg.Client;
let locker: pg.Client;
let database: string;

beforeAll(async () => {
  // No read cache: every request must reach Postgres.
  h = await startHarness({ searchCacheMs: 0 });
  database = new URL(h.scratch.url).pathname.slice(1);
  admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
});
afterEach(async () => {
  await locker?.end().catch(() => undefined);
});
afterAll(async () => {
  await admin?.end();
  await h?.close();
});

/** A second session on the API's database, to hold locks that keep the API's queries in flight. */
async function openLocker(): Promise<number> {
  locker = new pg.Client({ connectionString: h.scratch.url });
  locker.on("error", () => undefined);
  await locker.connect();
  return (await locker.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
}

/** Terminates every session of the API's database except `spare`; returns how many there were. */
async function terminateApiSessions(spare = 0): Promise<number> {
  // Chosen first, terminated after: in one WHERE clause, the planner may call pg_terminate_backend before filtering.
  const { rows } = await admin.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> $2 AND backend_type = 'client backend'",
    [database, spare],
  );
  const pids = rows.map((row) => row.pid);
  await admin.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [pids]);
  return pids.length;
}

async function waitForLockWait(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await admin.query(
      "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
      [database],
    );
    if (rows.length > 0) return;
    if (Date.now() > deadline) throw new Error("no query of the API waited on the lock");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function submitted(auth: { authorization: string }): Promise<string> {
  const posted = await h.app.inject({ method: "POST", url: "/v1/searches", headers: auth, payload: tinyJob() });
  expect(posted.statusCode).toBe(201);
  return posted.json().id as string;
}

describe("Postgres connections lost under the API", () => {
  it("retries a read whose connection is terminated mid-query on a fresh connection", async () => {
    const team = await h.team();
    const id = await submitted(team.auth);
    const lockerPid = await openLocker();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE searches IN ACCESS EXCLUSIVE MODE");
    const answer = h.app.inject({ url: `/v1/searches/${id}`, headers: team.auth });
    await waitForLockWait();
    expect(await terminateApiSessions(lockerPid)).toBeGreaterThan(0);
    await locker.query("COMMIT");
    const response = await answer;
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, status: "queued" });
  });

  it("answers 503 with Retry-After when a write's connection is terminated, and the retried write succeeds", async () => {
    const team = await h.team();
    const id = await submitted(team.auth);
    const lockerPid = await openLocker();
    await locker.query("BEGIN");
    // A row lock: reads of the search go through, the cancellation's UPDATE waits.
    await locker.query("SELECT 1 FROM searches WHERE id = $1 FOR UPDATE", [id]);
    const answer = h.app.inject({ method: "POST", url: `/v1/searches/${id}/cancel`, headers: team.auth });
    await waitForLockWait();
    expect(await terminateApiSessions(lockerPid)).toBeGreaterThan(0);
    await locker.query("COMMIT");
    const response = await answer;
    expect(response.statusCode).toBe(503);
    expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
    expect(response.json()).toMatchObject({
      error: "database_unavailable",
      message: expect.stringMatching(/database connection was lost.*retry/i),
      details: { retryAfter: Number(response.headers["retry-after"]) },
    });
    // The write did not happen, and repeating it does.
    expect((await h.db.searches.get(id))?.status).toBe("queued");
    const retried = await h.app.inject({ method: "POST", url: `/v1/searches/${id}/cancel`, headers: team.auth });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ id, status: "cancelled" });
  });

  it("answers every request after all its idle connections were terminated, none with 500", async () => {
    const team = await h.team();
    const id = await submitted(team.auth);
    const requests = () => [
      ...Array.from({ length: 6 }, () => ({ url: `/v1/searches/${id}` })),
      ...Array.from({ length: 4 }, () => ({ url: "/v1/searches?limit=5" })),
      { url: `/v1/searches/${id}/candidates?limit=5` },
      { url: `/v1/searches/${id}/pareto` },
    ];
    // Fill the pool with idle connections, then lose them all, as a database restart does.
    for (const r of await Promise.all(requests().map((r) => h.app.inject({ ...r, headers: team.auth })))) {
      expect(r.statusCode).toBe(200);
    }
    for (let round = 0; round < 3; round++) {
      expect(await terminateApiSessions()).toBeGreaterThan(0);
      const answers = await Promise.all(requests().map((r) => h.app.inject({ ...r, headers: team.auth })));
      const statuses = answers.map((r) => r.statusCode);
      expect(statuses, JSON.stringify(answers.map((r) => r.json()))).toEqual(statuses.map(() => 200));
    }
  });
});

// Connections terminated by the server while a query runs (what a restart or failover does to every session): a
// read is run again on a fresh connection, a write is not, and both kinds of error are recognised as connection loss.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminDatabaseUrl,
  createDb,
  createScratchDatabase,
  type Db,
  isConnectionError,
  isReadOnlyStatement,
  type ScratchDatabase,
} from "../src";

let scratch: ScratchDatabase;
let db: Db;
let admin: pg.Client;

beforeAll(async () => {
  scratch = await createScratchDatabase({ prefix: "vitnas_connloss" });
  db = createDb(scratch.url);
  admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await db?.close();
  await scratch?.drop();
});

/** Terminates the sessions of the scratch database running `like` (chosen first: see the API's test). */
async function terminateRunning(like: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query LIKE $2",
      [new URL(scratch.url).pathname.slice(1), like],
    );
    if (rows.length > 0) {
      await admin.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [rows.map((r) => r.pid)]);
      return rows.length;
    }
    if (Date.now() > deadline) throw new Error(`no session ran ${like}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("connection loss", () => {
  it("runs a read whose connection was terminated once more, on a fresh connection", async () => {
    // Slow only the first time: the retry finds the marker row and answers at once.
    await db.pool.query("CREATE TABLE IF NOT EXISTS marker (n int)");
    const read = db.pool.query<{ n: number }>(
      "SELECT CASE WHEN EXISTS (SELECT 1 FROM marker) THEN 7 ELSE (SELECT 7 FROM pg_sleep(30)) END AS n",
    );
    await terminateRunning("%pg_sleep(30)%");
    await db.pool.query("INSERT INTO marker VALUES (1)");
    expect((await read).rows).toEqual([{ n: 7 }]);
  });

  it("does not repeat a write, and reports its error as a lost connection", async () => {
    await db.pool.query("CREATE TABLE IF NOT EXISTS writes (n int)");
    const write = db.pool.query("INSERT INTO writes SELECT 1 FROM pg_sleep(30)").catch((error: unknown) => error);
    await terminateRunning("%INSERT INTO writes%");
    const error = await write;
    expect(error).toMatchObject({ code: "57P01" });
    expect(isConnectionError(error)).toBe(true);
    expect((await db.pool.query("SELECT count(*)::int AS n FROM writes")).rows).toEqual([{ n: 0 }]);
  });

  it("recognises Prisma's wrapping of the same loss", async () => {
    const write = db.prisma
      .$executeRawUnsafe("INSERT INTO writes SELECT 2 FROM pg_sleep(30)")
      .catch((error: unknown) => error);
    await terminateRunning("%INSERT INTO writes%");
    const error = await write;
    expect(error).toMatchObject({ name: "PrismaClientKnownRequestError" });
    expect(isConnectionError(error)).toBe(true);
    expect(isConnectionError(new Error("duplicate key"))).toBe(false);
    expect(isConnectionError(Object.assign(new Error("unique"), { code: "23505", severity: "ERROR" }))).toBe(false);
  });

  it("tells reads from statements that change something", () => {
    expect(isReadOnlyStatement('SELECT "id" FROM "searches" WHERE "updated_at" > $1')).toBe(true);
    expect(isReadOnlyStatement("/* keyset */ WITH m AS (SELECT 1) SELECT * FROM m")).toBe(true);
    expect(
      isReadOnlyStatement("WITH s AS (UPDATE searches SET x = 1 RETURNING id) INSERT INTO e SELECT id FROM s"),
    ).toBe(false);
    expect(isReadOnlyStatement("INSERT INTO t VALUES (1)")).toBe(false);
    expect(isReadOnlyStatement("SELECT pg_advisory_xact_lock(1)")).toBe(false);
    expect(isReadOnlyStatement("SELECT * FROM searches FOR UPDATE")).toBe(false);
  });
});

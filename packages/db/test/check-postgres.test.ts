import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { checkPostgres } from "../src/check-postgres";

const adminUrl = "postgresql://postgres@127.0.0.1:5432/postgres";

describe("checkPostgres", () => {
  it("passes against the running server", async () => {
    await expect(checkPostgres(adminUrl)).resolves.toEqual({ created: false });
  });

  it("names the unreachable server, where (password hidden), and the variable to set", async () => {
    await expect(checkPostgres("postgresql://u:secret@127.0.0.1:1/x")).rejects.toThrow(
      /PostgreSQL is unreachable at postgresql:\/\/u:\*\*\*@127.0.0.1:1\/x \(ECONNREFUSED\).*DATABASE_URL/,
    );
  });

  it("creates a missing database on request, once", async () => {
    const name = `vitnas_check_${randomUUID().replaceAll("-", "")}`;
    const url = `postgresql://postgres@127.0.0.1:5432/${name}`;
    await expect(checkPostgres(url)).rejects.toThrow(`database missing at ${url}`);
    try {
      expect(await checkPostgres(url, { create: true })).toEqual({ created: true });
      expect(await checkPostgres(url, { create: true })).toEqual({ created: false });
    } finally {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${pg.escapeIdentifier(name)}`);
      await client.end();
    }
  });
});

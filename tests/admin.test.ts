// `nas admin`: teams and API keys created straight in the database; the key is printed once, alone on stdout.
import { createDb, createScratchDatabase, type Db, type ScratchDatabase } from "@vitnas/db";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../apps/cli/src/main";

let scratch: ScratchDatabase;
let db: Db;
beforeAll(async () => {
  scratch = await createScratchDatabase({ prefix: "vitnas_admin" });
  db = createDb(scratch.url);
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const nas = (...argv: string[]) => run(["admin", "--database-url", scratch.url, ...argv]);

describe("nas admin", () => {
  it("creates a team and a key that authenticates as that team", async () => {
    const team = await nas("create-team", "acme");
    expect(team.code).toBe(0);
    expect(JSON.parse(team.stdout)).toMatchObject({ name: "acme" });

    const created = await nas("create-key", "--team", "acme", "--name", "ci");
    expect(created.code).toBe(0);
    const lines = created.stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    const identity = await db.apiKeys.findByPlaintext(lines[0]!);
    expect(identity).toMatchObject({ team: { name: "acme" }, key: { name: "ci" } });
    expect(created.stderr).toContain('created for team "acme"');
    const audit = await db.audit.list({ teamId: identity!.team.id });
    expect(audit.map((a) => a.action).sort()).toEqual(["api-key.created", "team.created"]);

    const revoked = await nas("revoke-key", identity!.key.prefix);
    expect(revoked.code).toBe(0);
    expect(await db.apiKeys.findByPlaintext(lines[0]!)).toBeNull();
  });

  it("sets a team's own limits and clears them back to the defaults", async () => {
    expect((await nas("create-team", "limited")).code).toBe(0);
    const set = await nas("set-limits", "--team", "limited", "--queued", "5", "--running", "2");
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({
      team: "limited",
      maxActiveSearches: null,
      maxQueuedSearches: 5,
      maxRunningSearches: 2,
    });
    const cleared = await nas("set-limits", "--team", "limited", "--running", "default");
    expect(JSON.parse(cleared.stdout)).toMatchObject({ maxQueuedSearches: 5, maxRunningSearches: null });
    expect(await db.teams.findByName("limited")).toMatchObject({ maxQueuedSearches: 5, maxRunningSearches: null });
    const bad = await nas("set-limits", "--team", "limited", "--active", "0");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--active must be an integer");
    expect((await nas("set-limits", "--team", "limited")).code).toBe(2);
    const unknown = await nas("set-limits", "--team", "nobody", "--queued", "1");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no team named "nobody"');
  });

  it("fails clearly on a duplicate team, an unknown team and an unreachable database", async () => {
    await nas("create-team", "dup");
    const again = await nas("create-team", "dup");
    expect(again).toMatchObject({ code: 1, stdout: "" });
    expect(again.stderr).toContain('a team named "dup" already exists');

    const unknown = await nas("create-key", "--team", "nobody");
    expect(unknown).toMatchObject({ code: 1, stdout: "" });
    expect(unknown.stderr).toMatch(/no team named "nobody" \(teams: .*dup.*\); create it with `nas admin create-team`/);

    const down = await run(["admin", "--database-url", "postgresql://postgres@127.0.0.1:1/x", "create-team", "z"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("cannot reach the database at postgresql://postgres@127.0.0.1:1/x");
  });

  it("migrates a database and says when it is up to date", async () => {
    const result = await nas("migrate");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("is up to date");
  });
});

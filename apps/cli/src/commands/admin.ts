// `nas admin`: operator commands run against the database directly (no API, no key needed): migrations, teams and
// API keys. The database is DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/vitnas) or --database-url.
import type { Command } from "commander";
import type { SetExit } from "../command";

const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/vitnas";
/** The database or the request failed (as opposed to 2, bad input). */
const FAILED = 1;

type Db = import("@vitnas/db").Db;
type TeamLimits = import("@vitnas/db").TeamLimits;

function databaseUrl(command: Command): string {
  const options = command.optsWithGlobals() as { databaseUrl?: string };
  return options.databaseUrl || process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

/** Opens the database, runs `use`, closes it; failures become one line on stderr and exit code 1. */
async function withDb(command: Command, setExit: SetExit, use: (db: Db) => Promise<void>): Promise<void> {
  const { createDb, redactUrl } = await import("@vitnas/db");
  const url = databaseUrl(command);
  const db = createDb(url, { maxConnections: 1 });
  try {
    await db.ping().catch((err: Error) => {
      throw new Error(`cannot reach the database at ${redactUrl(url)}: ${err.message || String(err)}`);
    });
    await use(db);
  } catch (err) {
    process.stderr.write(`nas admin: ${err instanceof Error ? err.message : String(err)}\n`);
    setExit(FAILED);
  } finally {
    await db.close();
  }
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === "P2002";

export function register(program: Command, setExit: SetExit): void {
  const admin = program
    .command("admin")
    .description("operator commands against the database: migrations, teams, their limits, API keys")
    .option("--database-url <url>", "PostgreSQL URL (default: DATABASE_URL, else the local vitnas database)");

  admin
    .command("migrate")
    .description("apply the database migrations not applied yet")
    .action(async (_options: unknown, command: Command) => {
      const { migrate, redactUrl } = await import("@vitnas/db");
      const url = databaseUrl(command);
      try {
        const applied = await migrate(url);
        process.stderr.write(
          applied.length > 0
            ? `applied ${applied.length} migration(s) to ${redactUrl(url)}: ${applied.join(", ")}\n`
            : `${redactUrl(url)} is up to date\n`,
        );
      } catch (err) {
        process.stderr.write(`nas admin migrate: ${err instanceof Error ? err.message : String(err)}\n`);
        setExit(FAILED);
      }
    });

  admin
    .command("create-team")
    .description("create a team; prints it as one JSON line")
    .argument("<name>", "team name, unique")
    .action(async (name: string, _options: unknown, command: Command) => {
      if (name.trim() === "") {
        process.stderr.write("nas admin create-team: the team name is empty\n");
        return setExit(2);
      }
      await withDb(command, setExit, async (db) => {
        try {
          const team = await db.teams.create(name);
          await db.audit.record({ action: "team.created", actor: "admin-cli", teamId: team.id, details: { name } });
          process.stdout.write(`${JSON.stringify({ id: team.id, name: team.name })}\n`);
        } catch (err) {
          if (isUniqueViolation(err)) throw new Error(`a team named "${name}" already exists`);
          throw err;
        }
      });
    });

  admin
    .command("create-key")
    .description("create an API key for a team; prints the key alone on stdout, the only time it is shown")
    .requiredOption("--team <name>", "the team the key acts for")
    .option("--name <label>", "a label to recognise the key by", "default")
    .action(async (options: { team: string; name: string }, command: Command) => {
      await withDb(command, setExit, async (db) => {
        const team = await db.teams.findByName(options.team);
        if (!team) {
          const known = (await db.teams.list()).map((t) => t.name);
          throw new Error(
            `no team named "${options.team}"${known.length ? ` (teams: ${known.join(", ")})` : ""}; ` +
              "create it with `nas admin create-team`",
          );
        }
        const { key, plaintext } = await db.apiKeys.create(team.id, options.name);
        await db.audit.record({
          action: "api-key.created",
          actor: "admin-cli",
          teamId: team.id,
          apiKeyId: key.id,
          details: { name: key.name, prefix: key.prefix },
        });
        process.stdout.write(`${plaintext}\n`);
        process.stderr.write(`key "${key.name}" (${key.prefix}) created for team "${team.name}"; store it now\n`);
      });
    });

  admin
    .command("set-limits")
    .description(
      "set a team's own limits on its searches, in place of the service's defaults; prints the team's limits as one " +
        'JSON line ("default": back to the service default)',
    )
    .requiredOption("--team <name>", "the team")
    .option("--active <n>", "queued plus running searches (default: MAX_ACTIVE_SEARCHES_PER_TEAM)")
    .option("--queued <n>", "queued searches (default: MAX_QUEUED_SEARCHES_PER_TEAM)")
    .option("--running <n>", "searches running at once on all workers (default: MAX_RUNNING_SEARCHES_PER_TEAM)")
    .action(async (options: { team: string; active?: string; queued?: string; running?: string }, command: Command) => {
      const limits: Partial<TeamLimits> = {};
      const fields = [
        ["active", "maxActiveSearches"],
        ["queued", "maxQueuedSearches"],
        ["running", "maxRunningSearches"],
      ] as const;
      for (const [flag, field] of fields) {
        const raw = options[flag];
        if (raw === undefined) continue;
        const value = raw === "default" ? null : Number(raw);
        if (value !== null && (!Number.isInteger(value) || value < 1 || value > 1_000_000)) {
          process.stderr.write(`nas admin set-limits: --${flag} must be an integer from 1 to 1000000 or "default"\n`);
          return setExit(2);
        }
        limits[field] = value;
      }
      if (Object.keys(limits).length === 0) {
        process.stderr.write("nas admin set-limits: give at least one of --active, --queued, --running\n");
        return setExit(2);
      }
      await withDb(command, setExit, async (db) => {
        const team = await db.teams.setLimits(options.team, limits);
        if (!team) throw new Error(`no team named "${options.team}"`);
        const { teamLimitsOf } = await import("@vitnas/db");
        await db.audit.record({ action: "team.limits-set", actor: "admin-cli", teamId: team.id, details: limits });
        process.stdout.write(`${JSON.stringify({ team: team.name, ...teamLimitsOf(team) })}\n`);
      });
    });

  admin
    .command("revoke-key")
    .description("revoke an API key by id or prefix (its dashboard sessions end too)")
    .argument("<key>", "key id or prefix")
    .action(async (key: string, _options: unknown, command: Command) => {
      await withDb(command, setExit, async (db) => {
        if (!(await db.apiKeys.revoke(key))) throw new Error(`no live API key with id or prefix "${key}"`);
        await db.audit.record({ action: "api-key.revoked", actor: "admin-cli", details: { key } });
        process.stderr.write(`revoked ${key}\n`);
        await announceRevocation(key);
      });
    });
}

/**
 * Tells every running API process to drop the key from its authentication cache at once (REDIS_URL, QUEUE_PREFIX as
 * the API reads them). Without Redis the key is still revoked in Postgres; API caches then let it expire (5 s).
 */
async function announceRevocation(key: string): Promise<void> {
  const { keyRevocationsChannel } = await import("@vitnas/db");
  const { Redis } = await import("ioredis");
  const redis = new Redis(process.env.REDIS_URL || "redis://127.0.0.1:6379", {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.publish(keyRevocationsChannel(process.env.QUEUE_PREFIX || "vitnas"), key);
  } catch (err) {
    process.stderr.write(
      `could not announce the revocation on Redis (${(err as Error).message}); API processes drop the key within 5 s\n`,
    );
  } finally {
    redis.disconnect();
  }
}

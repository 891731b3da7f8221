// Throw-away databases for tests and benchmarks: created empty, migrated, dropped after.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "./migrate";

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** `postgresql://postgres@127.0.0.1:5432/postgres` unless `VITNAS_ADMIN_DATABASE_URL` says otherwise. */
export const adminDatabaseUrl = (): string =>
  process.env.VITNAS_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** Creates `<prefix>_<random>` next to the admin database and applies the migrations (unless `migrated: false`). */
export async function createScratchDatabase(
  options: { prefix?: string; adminUrl?: string; migrated?: boolean } = {},
): Promise<ScratchDatabase> {
  const adminUrl = options.adminUrl ?? adminDatabaseUrl();
  const name = `${options.prefix ?? "vitnas_test"}_${randomBytes(5).toString("hex")}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const scratch: ScratchDatabase = {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
  if (options.migrated !== false) {
    try {
      await migrate(scratch.url);
    } catch (error) {
      await scratch.drop();
      throw error;
    }
  }
  return scratch;
}

async function withAdmin<T>(adminUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

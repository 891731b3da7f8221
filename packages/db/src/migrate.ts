// Applies prisma/migrations to a database and records them in `_prisma_migrations`, exactly as
// `prisma migrate deploy` does, so either may be used on the same database.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { MigrationDirectory, MigrationList } from "@prisma/schema-engine-wasm";
import { openSchemaEngine } from "./schema-engine";

/** The repository's prisma/ directory. */
export const PRISMA_DIR = resolve(import.meta.dirname, "../../../prisma");
export const MIGRATIONS_DIR = join(PRISMA_DIR, "migrations");
export const SCHEMA_PATH = join(PRISMA_DIR, "schema.prisma");
const noFilters = { externalTables: [], externalEnums: [] };

/** Reads a migrations directory into the shape the schema engine takes. */
export async function readMigrations(baseDir = MIGRATIONS_DIR): Promise<MigrationList> {
  if (!existsSync(baseDir)) throw new Error(`migrations directory not found: ${baseDir}`);
  const names = (await readdir(baseDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const migrationDirectories: MigrationDirectory[] = [];
  for (const name of names) {
    const file = join(baseDir, name, "migration.sql");
    const content = await readFile(file, "utf8").then(
      (value) => ({ tag: "ok" as const, value }),
      (error: Error) => ({ tag: "error" as const, value: error.message }),
    );
    migrationDirectories.push({ path: name, migrationFile: { path: "migration.sql", content } });
  }
  const lockPath = join(baseDir, "migration_lock.toml");
  const lockContent = existsSync(lockPath) ? await readFile(lockPath, "utf8") : null;
  return {
    baseDir,
    lockfile: { path: "migration_lock.toml", content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

/** Applies every migration not yet applied; returns the names applied now. */
export async function migrate(databaseUrl: string, migrationsDir = MIGRATIONS_DIR): Promise<string[]> {
  const migrationsList = await readMigrations(migrationsDir);
  const engine = await openSchemaEngine(databaseUrl);
  try {
    const out = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return out.appliedMigrationNames;
  } catch (error) {
    throw new Error(`migrating ${redactUrl(databaseUrl)} failed: ${describe(error)}`);
  } finally {
    engine.free();
  }
}

/**
 * SQL that takes the schema `fromSchema` (a schema.prisma text; null for an empty database) to `toSchema`. Diffing
 * two schema texts needs no database; the live-database diff cannot introspect through the driver adapter.
 */
export async function diffSchemas(databaseUrl: string, fromSchema: string | null, toSchema: string): Promise<string> {
  const engine = await openSchemaEngine(databaseUrl);
  try {
    const out = await engine.diff({
      from: fromSchema === null ? { tag: "empty" } : { tag: "schemaDatamodel", files: [file(fromSchema)] },
      to: { tag: "schemaDatamodel", files: [file(toSchema)] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return out.stdout ?? "";
  } finally {
    engine.free();
  }
}

const file = (content: string) => ({ path: "schema.prisma", content });

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null) return JSON.stringify(error);
  return String(error);
}

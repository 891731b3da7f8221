// `npm run -w @vitnas/db migration:new -- <name> [<previous schema.prisma>]`: writes the SQL that takes the previous
// schema (default: prisma/schema.prisma as last committed) to the current one as prisma/migrations/<stamp>_<name>.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { diffSchemas, MIGRATIONS_DIR, PRISMA_DIR, SCHEMA_PATH } from "../src/migrate";
import { adminDatabaseUrl } from "../src/scratch-database";

const [name, previousPath] = process.argv.slice(2);
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: migration:new <name: lowercase letters, digits, _> [<previous schema.prisma>]");
  process.exit(2);
}
const previous = previousPath
  ? readFileSync(previousPath, "utf8")
  : execFileSync("git", ["show", "HEAD:./schema.prisma"], { cwd: PRISMA_DIR, encoding: "utf8" });
const sql = await diffSchemas(adminDatabaseUrl(), previous, readFileSync(SCHEMA_PATH, "utf8"));
if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
  console.log("schema unchanged: no migration written");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "migration.sql.tmp"), sql);
renameSync(join(dir, "migration.sql.tmp"), join(dir, "migration.sql"));
console.log(`wrote ${dir}/migration.sql`);

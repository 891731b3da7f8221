// `npm run migrate`: applies prisma/migrations to DATABASE_URL without the native schema engine.
import { migrate, redactUrl } from "../src/migrate";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/vitnas)");
  process.exit(2);
}
try {
  const applied = await migrate(url);
  console.log(
    applied.length ? `applied ${applied.join(", ")} to ${redactUrl(url)}` : `${redactUrl(url)} is up to date`,
  );
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

// The product's deployed source as text, for the deployment files' checks (tests/deploy.test.ts,
// tests/kubernetes.test.ts): which variables the code reads, which paths it serves.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

/** The text of every source file under these directories, tests, benchmarks, installs and generated code aside. */
export function sourceText(dirs: string[]): string {
  const texts: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (["node_modules", "generated", "dist", "test", "bench"].includes(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|tsx|mts|js|mjs)$/.test(entry.name)) texts.push(readFileSync(path, "utf8"));
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return texts.join("\n");
}

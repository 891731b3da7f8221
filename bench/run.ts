// `npm run bench`: runs every workspace's bench/index.ts and every bench/<section>.ts here (each exports `bench()`),
// prints a table per section, or with `--json` one JSON object `{ "<section>": { "<figure>": value } }`.
// `--only <section>` narrows the run.
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface BenchSection {
  /** Section name, e.g. "formats". */
  name: string;
  /** Named figures; ratios measured side by side in one run are preferred to absolute times. */
  figures: Record<string, number | string | boolean>;
}

const root = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const json = args.includes("--json");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1]?.split(",") : undefined;

const modules: string[] = [];
for (const group of ["packages", "apps"]) {
  for (const name of readdirSync(join(root, group)).sort()) {
    const file = join(root, group, name, "bench", "index.ts");
    if (existsSync(file) && (!only || only.includes(name))) modules.push(file);
  }
}
// Benches that measure the product as a whole (not one workspace) sit beside this file, one section per file.
for (const file of readdirSync(import.meta.dirname).sort()) {
  const name = file.replace(/\.ts$/, "");
  if (file.endsWith(".ts") && file !== "run.ts" && (!only || only.includes(name))) {
    modules.push(join(import.meta.dirname, file));
  }
}

const out: Record<string, BenchSection["figures"]> = {};
for (const file of modules) {
  const mod = (await import(pathToFileURL(file).href)) as { bench: () => Promise<BenchSection | BenchSection[]> };
  const sections = [await mod.bench()].flat();
  for (const section of sections) {
    out[section.name] = section.figures;
    if (!json) {
      console.log(`\n## ${section.name}`);
      for (const [k, v] of Object.entries(section.figures)) console.log(`  ${k.padEnd(48)} ${v}`);
    }
  }
}
if (json) console.log(JSON.stringify(out));
process.exit(0);
